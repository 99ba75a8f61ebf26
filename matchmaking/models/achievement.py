from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaking.enums import ItemStatus
from matchmaking.models.base import Base, MatchableMixin, str_enum
from matchmaking.models.organization import Organization


class Achievement(MatchableMixin, Base):
    """科技成果: a patent, prototype or process offered by a university or institute."""

    __tablename__ = "achievements"
    __table_args__ = (
        UniqueConstraint("org_id", "title", name="uq_achievements_org_title"),
        Index("ix_achievements_status_field", "status", "industry_field"),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(400), default="")
    industry_field: Mapped[str] = mapped_column(String(48))
    maturity: Mapped[str] = mapped_column(String(32))
    trl: Mapped[int | None] = mapped_column(Integer)
    patent_numbers: Mapped[str] = mapped_column(String(400), default="")
    cooperation_mode: Mapped[str] = mapped_column(String(32))
    price_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    team_leader: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus, 16), default=ItemStatus.ACTIVE)

    org: Mapped[Organization] = relationship(lazy="raise")
