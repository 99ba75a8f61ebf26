"""约见请求: one participant of an event asks another for a meeting before the event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import MeetingRequestStatus
from matchmaking.models.base import Base, TimestampMixin, str_enum


class MeetingRequest(TimestampMixin, Base):
    """A request from one registration to another of the same event (one per ordered pair):
    pending → accepted / declined by the receiver, or withdrawn by the sender."""

    __tablename__ = "event_meeting_requests"
    __table_args__ = (UniqueConstraint("from_id", "to_id", name="uq_event_meeting_requests_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"), index=True)
    message: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingRequestStatus] = mapped_column(
        str_enum(MeetingRequestStatus, 16), default=MeetingRequestStatus.PENDING
    )
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The receiver's reason for declining (optional), or why the platform closed it.
    reason: Mapped[str] = mapped_column(Text, default="")
