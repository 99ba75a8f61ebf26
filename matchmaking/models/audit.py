from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import AuditAction
from matchmaking.models.base import Base, str_enum, utcnow


class AuditLog(Base):
    """Append-only: who changed which record, when, and its values before and after.

    Rows are only ever inserted (``audit.repository.append``); nothing in the code updates
    or deletes them, and the database refuses it (triggers from migration 0007: UPDATE and
    DELETE on PostgreSQL, UPDATE on SQLite).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_kind", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # agreement | contract | payment | attachment | kpi_target | monthly_report
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, 16))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
