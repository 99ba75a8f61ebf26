"""After publishing: a participant's agenda (page and .ics), the check-in QR code, the
front desk's check-in, each side's outcome, and the follow-up that becomes a docking."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.docking import service as docking
from matchmaking.enums import MeetingOutcome, Origin, RegistrationStatus
from matchmaking.events import repository
from matchmaking.events.scoring import fits
from matchmaking.events.service import _staff_event, get_visible, my_registration
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Event, EventSlot, Registration, ScheduledMeeting
from matchmaking.models.base import utcnow

UID_DOMAIN = "events.chanxueyan.local"


@dataclass
class AgendaItem:
    meeting_id: int
    starts_at: datetime  # local
    minutes: int
    table: int
    other: Registration
    reason: str
    mine: MeetingOutcome | None
    theirs: MeetingOutcome | None
    docking_id: int | None


def _own(session: Session, p: Principal, event_id: int) -> tuple[Event, Registration]:
    event = get_visible(session, p, event_id)
    reg = my_registration(session, p, event.id)
    if reg is None or reg.status is not RegistrationStatus.REGISTERED:
        raise Forbidden("您没有报名本活动，没有个人日程")
    return event, reg


def items_for(session: Session, event: Event, reg: Registration) -> list[AgendaItem]:
    """This participant's meetings in the published schedule, in time order."""
    run = repository.published_run(session, event.id)
    if run is None:
        return []
    slots = {s.id: s for s in repository.slots(session, event.id)}
    out = []
    for m in repository.meetings(session, run.id, reg.id):
        other_id = m.b_id if m.a_id == reg.id else m.a_id
        other = session.get(Registration, other_id)
        assert other is not None
        slot = slots[m.slot_id]
        mine, theirs = (
            (m.outcome_a, m.outcome_b) if m.a_id == reg.id else (m.outcome_b, m.outcome_a)
        )
        out.append(
            AgendaItem(
                meeting_id=m.id,
                starts_at=clock.to_local(slot.starts_at),
                minutes=slot.minutes,
                table=m.table_no,
                other=other,
                reason=m.reason,
                mine=mine,
                theirs=theirs,
                docking_id=m.docking_id,
            )
        )
    return sorted(out, key=lambda x: x.starts_at)


def agenda(
    session: Session, p: Principal, event_id: int
) -> tuple[Event, Registration, list[AgendaItem]]:
    """My agenda: only my own meetings, from the published version."""
    event, reg = _own(session, p, event_id)
    return event, reg, items_for(session, event, reg)


def _uid(event_id: int, a: int, b: int) -> str:
    # One pair meets at most once per event: the pair is the meeting's identity across
    # versions, so calendars update it in place (time, table) instead of adding another.
    low, high = sorted((a, b))
    return f"event-{event_id}-meeting-{low}-{high}@{UID_DOMAIN}"


def ics(session: Session, p: Principal, event_id: int) -> bytes:
    """My meetings as iCalendar: a stable UID per meeting, SEQUENCE = the published version,
    and meetings announced before but dropped since as STATUS:CANCELLED."""
    event, reg = _own(session, p, event_id)
    return calendar_of(session, event, reg)


def calendar_of(session: Session, event: Event, reg: Registration) -> bytes:
    """A participant's meetings as iCalendar (the download and the subscribed feed).

    A cancelled registration's meetings are all sent as CANCELLED, one SEQUENCE above the
    published version, so a subscribed calendar drops them instead of keeping old times.
    """
    run = repository.published_run(session, event.id)
    cal = Calendar()
    cal.add("prodid", "-//区科技局//产学研对接平台//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{event.title} · 洽谈日程")
    if run is None:
        return bytes(cal.to_ical())
    slots: dict[int, EventSlot] = {s.id: s for s in repository.slots(session, event.id)}
    cancelled = reg.status is not RegistrationStatus.REGISTERED
    current = {
        frozenset((m.a_id, m.b_id)): m
        for m in ([] if cancelled else repository.meetings(session, run.id, reg.id))
    }
    announced: dict[frozenset[int], ScheduledMeeting] = {}
    for m in repository.announced_meetings(session, event.id, reg.id):
        announced.setdefault(frozenset((m.a_id, m.b_id)), m)  # newest version first
    names = {r.id: r.name for r in repository.registrations(session, event.id)}
    for pair, m in {**announced, **current}.items():
        other = next(iter(pair - {reg.id}))
        slot = slots.get(m.slot_id)
        if slot is None:
            continue
        start = clock.to_local(slot.starts_at)
        item = IcsEvent()
        item.add("uid", _uid(event.id, m.a_id, m.b_id))
        item.add("sequence", run.version + 1 if cancelled else run.version)
        item.add("dtstamp", utcnow())
        item.add("dtstart", start)
        item.add("dtend", start + timedelta(minutes=slot.minutes))
        item.add("summary", f"洽谈：{names.get(other, '')}（第 {m.table_no} 桌）")
        item.add("location", f"{event.venue} 第 {m.table_no} 桌".strip())
        item.add("description", m.reason)
        item.add("status", "CONFIRMED" if pair in current else "CANCELLED")
        cal.add_component(item)
    return bytes(cal.to_ical())


def checkin_path(reg: Registration) -> str:
    return f"/events/checkin/{reg.checkin_token}"


def qr_svg(session: Session, p: Principal, event_id: int, base_url: str) -> bytes:
    """My check-in QR code (SVG): the URL the front desk opens with a phone camera."""
    _event, reg = _own(session, p, event_id)
    out = io.BytesIO()
    segno.make(base_url.rstrip("/") + checkin_path(reg), error="m").save(
        out, kind="svg", scale=6, border=2
    )
    return out.getvalue()


# -- front desk ---------------------------------------------------------------------------
def checkin_list(
    session: Session, p: Principal, event_id: int, q: str | None
) -> tuple[Event, list[Registration]]:
    event = _staff_event(session, p, event_id)
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    if q:
        regs = [r for r in regs if q.strip() in r.name]
    return event, regs


def by_token(session: Session, p: Principal, token: str) -> Registration:
    reg = repository.registration_by_token(session, token)
    if reg is None:
        raise NotFound("签到码无效，请让参会方出示最新的签到二维码")
    _staff_event(session, p, reg.event_id)
    return reg


def check_in(session: Session, p: Principal, event_id: int, reg_id: int) -> Registration:
    """Mark a participant arrived (once; a second scan says when they came)."""
    event = _staff_event(session, p, event_id)
    reg = session.get(Registration, reg_id)
    if reg is None or reg.event_id != event.id:
        raise NotFound(f"参会方 {reg_id} 不存在")
    if reg.status is not RegistrationStatus.REGISTERED:
        raise Conflict(f"“{reg.name}”的报名状态为“{reg.status.label}”，不能签到")
    if reg.checked_in_at is not None:
        at = clock.to_local(reg.checked_in_at)
        raise Conflict(f"“{reg.name}”已于 {at:%H:%M} 签到")
    reg.checked_in_at = utcnow()
    reg.checked_in_by = p.user_id
    session.flush()
    return reg


# -- outcomes -------------------------------------------------------------------------------
def _my_meeting(
    session: Session, p: Principal, event_id: int, meeting_id: int
) -> tuple[Event, Registration, ScheduledMeeting]:
    event, reg = _own(session, p, event_id)
    meeting = session.get(ScheduledMeeting, meeting_id)
    run = repository.published_run(session, event.id)
    if (
        meeting is None
        or run is None
        or meeting.run_id != run.id
        or reg.id not in (meeting.a_id, meeting.b_id)
    ):
        raise Forbidden("该洽谈不在您的日程中")
    return event, reg, meeting


def record_outcome(
    session: Session, p: Principal, event_id: int, meeting_id: int, outcome: MeetingOutcome
) -> ScheduledMeeting:
    """My side's outcome of one of my meetings."""
    event, reg, meeting = _my_meeting(session, p, event_id, meeting_id)
    if clock.local_today() < event.held_on:
        raise Conflict("活动尚未举办，举办当天起才能填写洽谈结果")
    if reg.id == meeting.a_id:
        meeting.outcome_a = outcome
    else:
        meeting.outcome_b = outcome
    session.flush()
    return meeting


def follow_up(
    session: Session, manager: IndexManager, p: Principal, event_id: int, meeting_id: int
) -> int:
    """ "Follow up": a docking request between the need and the offer that made the pair
    fit, through the docking service; returns the docking's id."""
    event, reg, meeting = _my_meeting(session, p, event_id, meeting_id)
    if meeting.docking_id is not None:
        raise Conflict(f"该洽谈已发起对接（编号 {meeting.docking_id}）")
    pair = [session.get(Registration, meeting.a_id), session.get(Registration, meeting.b_id)]
    fit = fits(session, manager, [r for r in pair if r is not None]).get(
        frozenset((meeting.a_id, meeting.b_id))
    )
    if fit is None or fit.need_id is None or fit.offer_id is None:
        raise InvalidInput("双方没有可对接的需求与成果（专家），请在需求页面直接发起对接")
    try:
        made = docking.request(
            session,
            p,
            need_id=fit.need_id,
            target_kind=fit.offer_kind,
            target_id=fit.offer_id,
            message=f"来自“{event.title}”的洽谈，希望进一步对接",
            score=fit.score,
            origin=Origin.EVENT,
        )
    except Forbidden as exc:
        raise Forbidden(f"{exc.message}（请由需求方或成果方发起）") from exc
    meeting.docking_id = made.id
    if reg.id == meeting.a_id:
        meeting.outcome_a = MeetingOutcome.FOLLOW_UP
    else:
        meeting.outcome_b = MeetingOutcome.FOLLOW_UP
    session.flush()
    return made.id
