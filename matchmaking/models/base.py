"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking import clock
from matchmaking.db import Base


def utcnow() -> datetime:
    """Now, in UTC, from the one clock (so a test that pins it pins stored times too)."""
    return clock.now()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class MatchableMixin(TimestampMixin):
    """What needs, achievements and experts share: they are embedded and indexed."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    # sha256 of the prepared text the vector must be made from (matching.text).
    text_hash: Mapped[str] = mapped_column(String(64), default="")
    embedding_status: Mapped[str] = mapped_column(String(16), default="pending", index=True)


__all__ = ["Base", "MatchableMixin", "TimestampMixin", "utcnow"]
