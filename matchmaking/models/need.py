from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaking.enums import NeedStatus
from matchmaking.models.base import Base, MatchableMixin, str_enum
from matchmaking.models.organization import Organization


class Need(MatchableMixin, Base):
    """技术需求: a company's technical problem."""

    __tablename__ = "needs"
    __table_args__ = (
        UniqueConstraint("org_id", "title", name="uq_needs_org_title"),
        Index("ix_needs_status_field", "status", "industry_field"),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    indicators: Mapped[str] = mapped_column(Text, default="")
    industry_field: Mapped[str] = mapped_column(String(48))
    budget_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    deadline: Mapped[date | None] = mapped_column(Date)
    cooperation_mode: Mapped[str] = mapped_column(String(32))
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus, 16), default=NeedStatus.OPEN)
    contact_name: Mapped[str] = mapped_column(String(64), default="")

    org: Mapped[Organization] = relationship(lazy="raise")
