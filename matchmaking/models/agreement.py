from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import AgreementKind, AgreementStatus, Origin
from matchmaking.models.base import Base, TimestampMixin, str_enum


class CooperationAgreement(TimestampMixin, Base):
    """合作协议: a local company and a university/institute (or expert) agree to cooperate.

    Counted as 意向/签约 (new cooperation projects), never as contract turnover. Made by a
    docking's "signed" step (``docking_id`` set, at most one per docking) or entered by staff.
    """

    __tablename__ = "cooperation_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AgreementKind] = mapped_column(str_enum(AgreementKind, 16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # The local company (企业) and its partner: a university/institute, or an expert.
    company_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # 计划投入/协议金额, 万元.
    planned_amount_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    # Stored file key of the scanned agreement ("" when none).
    attachment: Mapped[str] = mapped_column(String(255), default="")
    docking_id: Mapped[int | None] = mapped_column(
        ForeignKey("dockings.id"), unique=True, index=True
    )
    origin: Mapped[Origin] = mapped_column(str_enum(Origin, 16), default=Origin.DIRECT, index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[AgreementStatus] = mapped_column(
        str_enum(AgreementStatus, 16), default=AgreementStatus.SIGNED, index=True
    )
