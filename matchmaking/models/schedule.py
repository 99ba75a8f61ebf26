"""Scheduler runs of an event (versioned) and the meetings each run placed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import MeetingOutcome, RunStatus
from matchmaking.models.base import Base, RunRow, str_enum, utcnow


class ScheduleRun(RunRow, Base):
    """One run of the scheduler for an event: version n, its progress and its result.

    At most one run of an event is published at a time: a partial unique index holds it,
    and publishing locks the event row first (``events.service.publish``).
    """

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("event_id", "version", name="uq_schedule_runs_version"),
        Index(
            "uq_schedule_runs_published",
            "event_id",
            unique=True,
            postgresql_where=text("published"),
            sqlite_where=text("published"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, 16), default=RunStatus.QUEUED)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it was first published (kept after a rollback: its meetings were announced).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    solver_status: Mapped[str] = mapped_column(String(24), default="")
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    # Pre-check findings and shortfalls, in the bureau's words.
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScheduledMeeting(Base):
    """A meeting of a run: two registrations, a slot and a table, and both sides' outcome."""

    __tablename__ = "scheduled_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("schedule_runs.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    # a < b: the pair is unordered, stored in one order.
    a_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slots.id"))
    table_no: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # Why it was proposed (必见, 双方想见, 推荐得分 0.82：共同关键词 …).
    reason: Mapped[str] = mapped_column(Text, default="")
    outcome_a: Mapped[MeetingOutcome | None] = mapped_column(str_enum(MeetingOutcome, 16))
    outcome_b: Mapped[MeetingOutcome | None] = mapped_column(str_enum(MeetingOutcome, 16))
    docking_id: Mapped[int | None] = mapped_column(ForeignKey("dockings.id"))
