from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, TimestampMixin, utcnow


class ContestRules(TimestampMixin, Base):
    """季度竞赛规则 of one year: points per indicator, the completion cap, the bonus cap.

    ``weights`` maps indicator codes of the KPI registry to whole points. A year without
    a row uses the defaults of ``matchmaking.kpi.contest``.
    """

    __tablename__ = "contest_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    weights: Mapped[dict[str, int]] = mapped_column(JSON)
    # A town scores at most this percentage of the schedule on one indicator.
    completion_cap_pct: Mapped[int] = mapped_column(Integer)
    # The most bonus points counted for a town in a quarter.
    bonus_cap: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ContestBonus(Base):
    """加分项: points a town earns in a quarter for a reason (e.g. 承办市级对接活动)."""

    __tablename__ = "contest_bonuses"
    __table_args__ = (Index("ix_contest_bonuses_year_quarter", "year", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
