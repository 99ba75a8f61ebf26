"""Every query of events, their slots, registrations, wishes, runs and meetings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import EventStatus, RegistrationStatus
from matchmaking.models import (
    Event,
    EventLog,
    EventSlot,
    Registration,
    ScheduledMeeting,
    ScheduleRun,
    Wish,
)


def get(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def lock(session: Session, event_id: int) -> Event | None:
    """The event row, locked until the transaction ends (PostgreSQL; SQLite serialises writes)."""
    stmt = select(Event).where(Event.id == event_id).with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).first()


def listing(
    stmt: Select[Any], *, status: str | None, q: str | None, page: int, size: int, session: Session
) -> Page[Event]:
    if status:
        stmt = stmt.where(Event.status == status)
    if q:
        stmt = stmt.where(Event.title.contains(q))
    return paginate(session, stmt.order_by(Event.held_on.desc(), Event.id.desc()), page, size)


def all_events() -> Select[Any]:
    return select(Event)


def visible_to_participants() -> Select[Any]:
    shown = (EventStatus.OPEN, EventStatus.CLOSED, EventStatus.HELD)
    return select(Event).where(Event.status.in_(shown))


def add_log(
    session: Session, event_id: int, actor: int | None, action: str, note: str = ""
) -> None:
    session.add(EventLog(event_id=event_id, actor_user_id=actor, action=action, note=note))


def slots(session: Session, event_id: int) -> list[EventSlot]:
    stmt = select(EventSlot).where(EventSlot.event_id == event_id)
    return list(session.scalars(stmt.order_by(EventSlot.starts_at, EventSlot.id)))


def registrations(
    session: Session, event_id: int, *, statuses: tuple[RegistrationStatus, ...] | None = None
) -> list[Registration]:
    stmt = select(Registration).where(Registration.event_id == event_id)
    if statuses:
        stmt = stmt.where(Registration.status.in_(statuses))
    return list(session.scalars(stmt.order_by(Registration.id)))


def registration(session: Session, event_id: int, participant: str) -> Registration | None:
    stmt = select(Registration).where(
        Registration.event_id == event_id, Registration.participant == participant
    )
    return session.scalars(stmt).first()


def registration_by_token(session: Session, token: str) -> Registration | None:
    return session.scalars(select(Registration).where(Registration.checkin_token == token)).first()


def count_registered(session: Session, event_id: int) -> int:
    stmt = select(func.count(Registration.id)).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.REGISTERED
    )
    return int(session.scalar(stmt) or 0)


def wishes(session: Session, event_id: int) -> list[Wish]:
    return list(session.scalars(select(Wish).where(Wish.event_id == event_id)))


def wish(session: Session, from_id: int, to_id: int) -> Wish | None:
    return session.scalars(select(Wish).where(Wish.from_id == from_id, Wish.to_id == to_id)).first()


def runs(session: Session, event_id: int) -> list[ScheduleRun]:
    # Fresh rows: a worker's session moves runs behind this one's back.
    stmt = select(ScheduleRun).where(ScheduleRun.event_id == event_id)
    stmt = stmt.order_by(ScheduleRun.version.desc()).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def published_run(session: Session, event_id: int) -> ScheduleRun | None:
    stmt = select(ScheduleRun).where(
        ScheduleRun.event_id == event_id, ScheduleRun.published.is_(True)
    )
    return session.scalars(stmt).first()


def meetings(session: Session, run_id: int, reg_id: int | None = None) -> list[ScheduledMeeting]:
    stmt = select(ScheduledMeeting).where(ScheduledMeeting.run_id == run_id)
    if reg_id is not None:
        stmt = stmt.where(or_(ScheduledMeeting.a_id == reg_id, ScheduledMeeting.b_id == reg_id))
    return list(session.scalars(stmt.order_by(ScheduledMeeting.slot_id, ScheduledMeeting.table_no)))


def announced_meetings(session: Session, event_id: int, reg_id: int) -> list[ScheduledMeeting]:
    """Meetings of this participant in every run that was ever published, newest run first."""
    stmt = (
        select(ScheduledMeeting)
        .join(ScheduleRun, ScheduleRun.id == ScheduledMeeting.run_id)
        .where(
            ScheduledMeeting.event_id == event_id,
            ScheduleRun.published_at.is_not(None),
            or_(ScheduledMeeting.a_id == reg_id, ScheduledMeeting.b_id == reg_id),
        )
        .order_by(ScheduleRun.version.desc())
    )
    return list(session.scalars(stmt))


def published_versions(session: Session, event_id: int) -> list[int]:
    stmt = select(ScheduleRun.version).where(
        ScheduleRun.event_id == event_id, ScheduleRun.published_at.is_not(None)
    )
    return sorted(int(v) for v in session.scalars(stmt))
