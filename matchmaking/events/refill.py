"""Refilling slots freed on the day (现场补位).

Once check-in is under way, a registered participant who has not checked in is treated as
absent: their meetings in the published schedule are freed, and the checked-in people
they were to meet now have a free slot. For each slot that has not ended, staff see the
checked-in participants free in it and proposed new pairs among them (best fit first:
必见 requests, then mutual interest, then the scheduler's candidate score from
``scheduling.build_instance``; only candidate pairs, so never 不见 or one organization,
and never two who already meet). Confirming one adds it to the published schedule at a
free table and notifies both sides; the freed meeting of each of them in that slot gets
their side's outcome 对方未到 (so the report counts it as not held).

``choose`` is the pure part: plain values in, proposals out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.enums import MeetingOutcome, NotificationKind, RegistrationStatus, WishLevel
from matchmaking.events import repository, scheduling
from matchmaking.events.scoring import fits
from matchmaking.events.service import _staff_event, users_of
from matchmaking.exceptions import Conflict, InvalidInput, NotFound
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Event, EventSlot, Registration, ScheduledMeeting, ScheduleRun
from matchmaking.notifications.service import notify

# Proposals shown per slot: more is noise on a phone at the front desk.
PER_SLOT = 10


# -- the pure part -------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """A candidate pair: its scheduler score and whether it was requested (必见) / mutual."""

    a: int
    b: int
    score: float
    requested: bool = False
    mutual: bool = False


def choose(
    free: Iterable[int], candidates: Iterable[Pair], met: set[frozenset[int]], tables: int
) -> list[Pair]:
    """Proposed meetings for one slot among the people free in it: candidate pairs only,
    none already met, best first (requested, mutual, score), each person at most once and
    no more pairs than free tables."""
    people = set(free)
    ranked = sorted(
        (
            c
            for c in candidates
            if c.a in people and c.b in people and frozenset((c.a, c.b)) not in met
        ),
        key=lambda c: (-c.requested, -c.mutual, -c.score, min(c.a, c.b), max(c.a, c.b)),
    )
    taken: set[int] = set()
    out: list[Pair] = []
    for c in ranked:
        if len(out) >= tables:
            break
        if c.a in taken or c.b in taken:
            continue
        taken |= {c.a, c.b}
        out.append(c)
    return out


# -- the day's state -------------------------------------------------------------------------
@dataclass
class Day:
    """The published schedule as it stands on the day."""

    event: Event
    run: ScheduleRun
    slots: list[EventSlot]
    regs: dict[int, Registration]  # registered
    present: set[int]  # checked in
    meetings: list[ScheduledMeeting]

    def live(self, m: ScheduledMeeting) -> bool:
        """A meeting that still takes place: neither side is absent."""
        return m.a_id in self.present and m.b_id in self.present

    def busy(self, reg_id: int, slot_id: int) -> ScheduledMeeting | None:
        return next(
            (
                m
                for m in self.meetings
                if m.slot_id == slot_id and reg_id in (m.a_id, m.b_id) and self.live(m)
            ),
            None,
        )

    def live_count(self, reg_id: int) -> int:
        return sum(1 for m in self.meetings if reg_id in (m.a_id, m.b_id) and self.live(m))

    def met(self) -> set[frozenset[int]]:
        """Pairs that meet (live) in this schedule: not proposed again."""
        return {frozenset((m.a_id, m.b_id)) for m in self.meetings if self.live(m)}

    def free_tables(self, slot: EventSlot) -> list[int]:
        """The slot's tables a new meeting may take: those with no meeting first, then
        those whose meetings are all freed."""
        here = [m for m in self.meetings if m.slot_id == slot.id]
        used = {m.table_no for m in here}
        live = {m.table_no for m in here if self.live(m)}
        tables = range(1, slot.tables + 1)
        return [t for t in tables if t not in used] + [t for t in tables if t in used - live]

    def free_in(self, slot: EventSlot) -> list[int]:
        """Checked-in people free in this slot (available, below their maximum)."""
        return [
            r.id
            for r in self.regs.values()
            if r.id in self.present
            and slot.id not in r.unavailable_slot_ids
            and self.busy(r.id, slot.id) is None
            and self.live_count(r.id) < r.max_meetings
        ]


def _day(session: Session, event: Event) -> Day:
    run = repository.published_run(session, event.id)
    if run is None:
        raise Conflict("日程尚未发布，发布后才能在现场补位")
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    return Day(
        event=event,
        run=run,
        slots=repository.slots(session, event.id),
        regs={r.id: r for r in regs},
        present={r.id for r in regs if r.checked_in_at is not None},
        meetings=repository.meetings(session, run.id),
    )


def _ended(slot: EventSlot) -> bool:
    return clock.to_local(slot.starts_at) + timedelta(minutes=slot.minutes) <= clock.now()


# -- what the page shows ---------------------------------------------------------------------
@dataclass
class Proposal:
    a: Registration
    b: Registration
    score: float
    why: str


@dataclass
class SlotView:
    slot: EventSlot
    start: datetime  # local
    free: list[Registration]
    proposals: list[Proposal]
    table: int | None  # the table a confirmed proposal would get


@dataclass
class RefillView:
    event: Event
    absent: list[Registration]
    freed: int  # meetings freed by absences
    slots: list[SlotView] = field(default_factory=list)


def view(session: Session, manager: IndexManager, p: Principal, event_id: int) -> RefillView:
    """Per slot not yet over: who is free, and proposed pairs among them."""
    event = _staff_event(session, p, event_id)
    day = _day(session, event)
    built = scheduling.build_instance(session, manager, event.id)
    candidates = [
        Pair(int(c.a), int(c.b), c.score, c.requested, c.mutual) for c in built.instance.candidates
    ]
    met = day.met()
    out = RefillView(
        event=event,
        absent=[r for r in day.regs.values() if r.id not in day.present],
        freed=sum(1 for m in day.meetings if not day.live(m)),
    )
    for slot in day.slots:
        if _ended(slot):
            continue
        free = day.free_in(slot)
        tables = day.free_tables(slot)
        chosen = choose(free, candidates, met, tables=min(PER_SLOT, len(tables)))
        proposals = [
            Proposal(
                day.regs[c.a],
                day.regs[c.b],
                c.score,
                built.reasons.get(frozenset((str(c.a), str(c.b))), "平台推荐"),
            )
            for c in chosen
        ]
        out.slots.append(
            SlotView(
                slot=slot,
                start=clock.to_local(slot.starts_at),
                free=[day.regs[i] for i in free],
                proposals=proposals,
                table=tables[0] if tables else None,
            )
        )
    return out


# -- confirming one ---------------------------------------------------------------------------
def _wished_no(session: Session, a: int, b: int) -> bool:
    for x, y in ((a, b), (b, a)):
        w = repository.wish(session, x, y)
        if w is not None and w.level is WishLevel.NO:
            return True
    return False


def confirm(
    session: Session,
    manager: IndexManager,
    p: Principal,
    event_id: int,
    *,
    a_id: int,
    b_id: int,
    slot_id: int,
) -> ScheduledMeeting:
    """Add a meeting of two checked-in participants to the published schedule in a slot
    freed for both, at a free table; both are notified."""
    event = _staff_event(session, p, event_id)
    # One confirmation at a time per event: two staff phones must not fill one table twice.
    repository.lock(session, event.id)
    day = _day(session, event)
    if a_id == b_id:
        raise InvalidInput("请选择两个不同的参会方", field="b_id")
    slot = next((s for s in day.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(f"洽谈时段 {slot_id} 不存在")
    start = clock.to_local(slot.starts_at)
    if _ended(slot):
        raise Conflict(f"{start:%H:%M} 的洽谈时段已结束")
    pair = []
    for reg_id in (a_id, b_id):
        reg = day.regs.get(reg_id)
        if reg is None:
            raise NotFound(f"参会方 {reg_id} 不存在或未报名本活动")
        if reg.id not in day.present:
            raise Conflict(f"“{reg.name}”尚未签到，不能安排补位洽谈")
        if slot.id in reg.unavailable_slot_ids:
            raise Conflict(f"“{reg.name}”报名时说明 {start:%H:%M} 不能参加")
        busy = day.busy(reg.id, slot.id)
        if busy is not None:
            raise Conflict(f"“{reg.name}”在 {start:%H:%M} 已有洽谈（第 {busy.table_no} 桌）")
        if day.live_count(reg.id) >= reg.max_meetings:
            raise Conflict(f"“{reg.name}”的洽谈已达最多 {reg.max_meetings} 场")
        pair.append(reg)
    a, b = sorted(pair, key=lambda r: r.id)
    if a.org_id is not None and a.org_id == b.org_id:
        raise Conflict(f"“{a.name}”与“{b.name}”属于同一单位，不安排洽谈")
    if _wished_no(session, a.id, b.id):
        raise Conflict(f"“{a.name}”与“{b.name}”之间有一方标记了“不见”")
    if frozenset((a.id, b.id)) in day.met():
        raise Conflict(f"“{a.name}”与“{b.name}”已安排过洽谈")
    tables = day.free_tables(slot)
    if not tables:
        raise Conflict(f"{start:%H:%M} 没有空闲的洽谈桌")
    table = tables[0]

    fit = fits(session, manager, [a, b]).get(frozenset((a.id, b.id)))
    reason = "现场补位" + (f"：{fit.reason}" if fit is not None and fit.reason else "")
    # Each side's freed meeting in this slot: their partner did not come.
    for m in day.meetings:
        if m.slot_id != slot.id or day.live(m):
            continue
        if m.a_id in (a.id, b.id) and m.a_id in day.present and m.outcome_a is None:
            m.outcome_a = MeetingOutcome.NO_SHOW
        if m.b_id in (a.id, b.id) and m.b_id in day.present and m.outcome_b is None:
            m.outcome_b = MeetingOutcome.NO_SHOW
    meeting = ScheduledMeeting(
        run_id=day.run.id,
        event_id=event.id,
        a_id=a.id,
        b_id=b.id,
        slot_id=slot.id,
        table_no=table,
        score=fit.score if fit is not None else 0.0,
        reason=reason,
    )
    session.add(meeting)
    repository.add_log(
        session, event.id, p.user_id, "refill", f"{start:%H:%M} 第 {table} 桌：{a.name} × {b.name}"
    )
    session.flush()
    _tell(session, p, event, meeting, {a.id: b.name, b.id: a.name}, day.regs, f"{start:%H:%M}")
    return meeting


def _tell(
    session: Session,
    p: Principal,
    event: Event,
    meeting: ScheduledMeeting,
    others: Mapping[int, str],
    regs: Mapping[int, Registration],
    time: str,
) -> None:
    for reg_id, other in others.items():
        notify(
            session,
            users_of(session, regs[reg_id]),
            NotificationKind.EVENT_REFILLED,
            {"title": event.title, "time": time, "table": meeting.table_no, "other": other},
            subject=("event", event.id),
            link=f"/events/{event.id}/agenda",
            skip=p.user_id,
        )
