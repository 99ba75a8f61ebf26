"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Enum, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking import clock
from matchmaking.db import Base
from matchmaking.enums import EmbeddingStatus, RunStatus


def utcnow() -> datetime:
    """Now, in UTC, from the one clock (so a test that pins it pins stored times too)."""
    return clock.now()


def str_enum(enum: type[StrEnum], length: int) -> Enum:
    """A ``StrEnum`` column stored as its code in a VARCHAR, exactly as the plain strings were.

    Not a native enum and no CHECK constraint, so the schema is unchanged and a new member
    needs no migration; rows load as members, and a member or its code binds alike.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


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
    embedding_status: Mapped[EmbeddingStatus] = mapped_column(
        str_enum(EmbeddingStatus, 16), default=EmbeddingStatus.PENDING, index=True
    )


class RunRow:
    """What every versioned solver run table has (``matchmaking.common.runs`` works on it).

    Declared for the type checker only: each table declares these columns itself (their
    indexes and defaults differ), so this mixin maps nothing and changes no schema.
    """

    if TYPE_CHECKING:
        id: Mapped[int]
        version: Mapped[int]
        status: Mapped[RunStatus]
        progress: Mapped[float]
        cancel_requested: Mapped[bool]
        published: Mapped[bool]
        published_at: Mapped[datetime | None]
        created_at: Mapped[datetime]
        heartbeat_at: Mapped[datetime | None]
        finished_at: Mapped[datetime | None]


__all__ = ["Base", "MatchableMixin", "RunRow", "TimestampMixin", "str_enum", "utcnow"]
