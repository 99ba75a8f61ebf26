from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, str_enum, utcnow
from matchmaking.outbound.kinds import Channel, DeliveryStatus


class Delivery(Base):
    """One outbound message to one recipient: the send log (``matchmaking.outbound``).

    The row is written, and committed, before anything is sent: its unique key
    (recipient, kind, subject) makes a retried or repeated task find it and send nothing
    twice. ``recipient`` is ``user:<id>`` for an email, ``town:<id>`` / ``org:<id>``
    for a group robot. ``kind`` is the notification kind, ``digest``, ``daily`` or a
    reminder's name; ``subject_key`` what it is about (``notification:<id>``,
    ``2026-W49``, ``docking:12``).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("recipient", "kind", "subject_key", name="uq_deliveries_key"),
        Index("ix_deliveries_status_created", "status", "created_at"),
        Index("ix_deliveries_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(16), default="")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16), default=Channel.EMAIL)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    # Where it went: the email address, or the robot's host (never its secret key).
    address: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 16), default=DeliveryStatus.QUEUED
    )
    # Why it was not sent, or the last failure (Chinese, shown to staff).
    detail: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before: quiet hours, a rate limit or the backoff after a failure.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the message needs that is not in a notification (digest sections, reminder).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first click through one of the message's signed links.
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class OutboundPreference(Base):
    """A user's choices: a frequency per kind of message (absent: the default)."""

    __tablename__ = "outbound_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    choices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
