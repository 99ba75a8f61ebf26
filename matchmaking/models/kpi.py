from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, TimestampMixin, utcnow
from matchmaking.models.tech_contract import ContractPayment, TechContract


class KpiTarget(TimestampMixin, Base):
    """年度目标: one indicator's annual target for one town (or the district total).

    ``town_key`` is the town id, or 0 for the district total (a unique key cannot hold
    NULLs on every database). ``monthly`` optionally splits the year into twelve
    monthly amounts; without it the schedule (序时进度) is even: target × month / 12.
    """

    __tablename__ = "kpi_targets"
    __table_args__ = (
        UniqueConstraint("year", "indicator", "town_key", name="uq_kpi_targets_year_indicator"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    indicator: Mapped[str] = mapped_column(String(32))
    town_key: Mapped[int] = mapped_column(Integer, default=0)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    annual: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    monthly: Mapped[list[str] | None] = mapped_column(JSON)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MonthlyReport(Base):
    """月度通报: every figure of one month, frozen when issued.

    A correction is a new row (``version`` + 1) with a ``note``; an issued row is never
    changed.
    """

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("year", "month", "version", name="uq_monthly_reports_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# The dashboard's queries: registered contracts by registration date and town, payments by
# date with their contract (declared here so that the outcome models stay as they are).
# Covering: the registered-contract figures read only the index.
Index(
    "ix_tech_contracts_registered_town",
    TechContract.registered_on,
    TechContract.status,
    TechContract.town_id,
    TechContract.flow,
    TechContract.amount_wan,
    TechContract.tech_amount_wan,
)
Index(
    "ix_contract_payments_received_contract",
    ContractPayment.received_on,
    ContractPayment.contract_id,
)


class TableVersion(Base):
    """A random stamp per table, replaced after every committed write to it.

    The dashboard's figures are cached per process under the stamps of the tables they
    read (``matchmaking.kpi.cache``): a write anywhere changes the stamp, and every
    process sees the change on its next read. Stamps are random, not counters, so a
    database restored from a backup or recreated for a test never meets an old entry.
    """

    __tablename__ = "kpi_table_versions"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
