"""产学研对接会: the event, its history, its sessions and the meeting slots made from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from matchmaking.enums import EventKind, EventStatus
from matchmaking.models.base import Base, TimestampMixin, str_enum, utcnow
from matchmaking.models.town import Town


class Event(TimestampMixin, Base):
    """A themed matchmaking event with one-to-one meetings (draft → open → closed → held)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 24))
    industry_field: Mapped[str | None] = mapped_column(String(48))
    # Free text of the theme: what the invitations are matched on.
    theme: Mapped[str] = mapped_column(Text, default="")
    # For a 专场 by university: the guest organization whose achievements are matched.
    guest_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    venue: Mapped[str] = mapped_column(String(200), default="")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    town: Mapped[str] = column_property(
        func.coalesce(
            select(Town.name).where(Town.id == town_id).correlate_except(Town).scalar_subquery(),
            "",
        )
    )
    organiser: Mapped[str] = mapped_column(String(200), default="")
    registration_opens: Mapped[date] = mapped_column(Date)
    registration_closes: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[EventStatus] = mapped_column(
        str_enum(EventStatus, 16), default=EventStatus.DRAFT, index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EventLog(Base):
    """Who moved an event's status, and when."""

    __tablename__ = "event_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventSession(Base):
    """A block of meetings: starts at, so many meetings of so many minutes, breaks between."""

    __tablename__ = "event_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meeting_minutes: Mapped[int] = mapped_column(Integer)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    meetings: Mapped[int] = mapped_column(Integer)
    tables: Mapped[int] = mapped_column(Integer)


class EventSlot(Base):
    """One meeting time of an event (generated from its session), with its tables."""

    __tablename__ = "event_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer)
    tables: Mapped[int] = mapped_column(Integer)
