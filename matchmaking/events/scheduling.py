"""Scheduling an event: the instance built from the database, versioned runs of the
scheduler (run by the Celery task ``events.schedule``), publish and roll back, locks.

The scheduler itself is the pure module ``matchmaking.events.scheduler``; this module
only reads rows into its dataclasses and writes its result back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock, jobs
from matchmaking.accounts import repository as accounts_repository
from matchmaking.accounts.permissions import Principal
from matchmaking.common.runs import LIVE, Runs
from matchmaking.config import get_settings
from matchmaking.enums import (
    EventStatus,
    NotificationKind,
    RegistrationStatus,
    RunStatus,
    WishLevel,
)
from matchmaking.events import repository, requests, scheduler
from matchmaking.events.scoring import Fit, fits
from matchmaking.events.service import _staff_event
from matchmaking.exceptions import Conflict, NotFound
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Event, Registration, ScheduledMeeting, ScheduleRun
from matchmaking.models.base import utcnow
from matchmaking.notifications.service import notify

log = logging.getLogger(__name__)
TASK = "events.schedule"
# Recommendations per participant added as candidates besides the wishes.
TOP_K = 10
RUNS = Runs(ScheduleRun, ScheduleRun.event_id, message="error")


@dataclass
class Built:
    """An instance with what is needed to store its result: ids and reasons by pair."""

    instance: scheduler.Instance
    names: dict[str, str]
    slot_ids: dict[str, int]
    reasons: dict[frozenset[str], str] = field(default_factory=dict)
    scores: dict[frozenset[str], float] = field(default_factory=dict)
    fits: dict[frozenset[int], Fit] = field(default_factory=dict)


def build_instance(session: Session, manager: IndexManager, event_id: int) -> Built:
    """The scheduler's instance for an event's registered participants.

    Candidates: accepted meeting requests (requested and mutual), 必见/想见 marks (必见 =
    requested; both sides marked = mutual), pending requests (one-sided) and each
    participant's best-fitting others by matching; minus 不见, declined requests and pairs
    of one organization.
    Locked meetings of the newest run are kept; the published run's meetings are given
    so that a re-run moves as few as possible.
    """
    slots = repository.slots(session, event_id)
    slot_ids = {clock.to_local(s.starts_at).strftime("%H:%M"): s.id for s in slots}
    by_slot_id = {v: k for k, v in slot_ids.items()}
    regs = repository.registrations(session, event_id, statuses=(RegistrationStatus.REGISTERED,))
    reg_by_id = {r.id: r for r in regs}
    names = {str(r.id): r.name for r in regs}
    participants = tuple(
        scheduler.Participant(
            id=str(r.id),
            side=r.side,
            min=r.min_meetings,
            max=r.max_meetings,
            unavailable=frozenset(by_slot_id[s] for s in r.unavailable_slot_ids if s in by_slot_id),
        )
        for r in regs
    )

    def same_org(a: Registration, b: Registration) -> bool:
        return a.org_id is not None and a.org_id == b.org_id

    wishes: dict[frozenset[int], dict[int, WishLevel]] = defaultdict(dict)
    for w in repository.wishes(session, event_id):
        if w.from_id in reg_by_id and w.to_id in reg_by_id:
            wishes[frozenset((w.from_id, w.to_id))][w.from_id] = w.level
    scored = fits(session, manager, regs)
    forbidden: set[frozenset[str]] = set()
    chosen: dict[frozenset[int], tuple[bool, bool]] = {}  # pair -> (requested, mutual)
    for pair, marks in wishes.items():
        if WishLevel.NO in marks.values():
            forbidden.add(frozenset(str(i) for i in pair))
            continue
        requested = WishLevel.MUST in marks.values()
        chosen[pair] = (requested, len(marks) == 2)
    asked = requests.candidates(session, event_id, reg_by_id)
    for pair in asked.declined:
        forbidden.add(frozenset(str(i) for i in pair))
    for pair in asked.accepted:
        chosen[pair] = (True, True)
    for pair in asked.pending:
        chosen.setdefault(pair, (False, False))
    # Each participant's best fits by matching.
    per_person: dict[int, list[tuple[float, frozenset[int]]]] = defaultdict(list)
    for pair, each in scored.items():
        for person in pair:
            per_person[person].append((each.score, pair))
    for ranked in per_person.values():
        for _score, pair in sorted(ranked, key=lambda x: -x[0])[:TOP_K]:
            chosen.setdefault(pair, (False, False))

    built = Built(
        instance=scheduler.Instance(slots=(), tables={}, participants=(), candidates=()),
        names=names,
        slot_ids=slot_ids,
        fits=scored,
    )
    candidates = []
    for pair, (requested, mutual) in chosen.items():
        a, b = sorted(pair)
        if same_org(reg_by_id[a], reg_by_id[b]):
            forbidden.add(frozenset((str(a), str(b))))
            continue
        key = frozenset((str(a), str(b)))
        if key in forbidden:
            continue
        fit = scored.get(pair)
        score = fit.score if fit is not None else 0.5
        candidates.append(scheduler.Candidate(str(a), str(b), max(score, 0.0), requested, mutual))
        marks = wishes.get(pair, {})
        why = []
        for person, level in marks.items():
            why.append(f"{reg_by_id[person].name}标记“{level.label}”")
        if pair in asked.reasons:
            why.append(asked.reasons[pair])
        if fit is not None and fit.reason:
            why.append(fit.reason)
        built.reasons[key] = "；".join(why) or "平台推荐"
        built.scores[key] = score

    locked: list[scheduler.Meeting] = []
    published: list[scheduler.Meeting] = []
    runs = repository.runs(session, event_id)
    newest = next((r for r in runs if r.status is RunStatus.DONE), None)
    current = repository.published_run(session, event_id)
    for run, out in ((newest, locked), (current, published)):
        if run is None:
            continue
        for m in repository.meetings(session, run.id):
            if out is locked and not m.locked:
                continue
            if m.a_id in reg_by_id and m.b_id in reg_by_id and m.slot_id in by_slot_id:
                out.append(scheduler.Meeting(str(m.a_id), str(m.b_id), by_slot_id[m.slot_id]))
    built.instance = scheduler.Instance(
        slots=tuple(scheduler.Slot(by_slot_id[s.id], s.starts_at, s.minutes) for s in slots),
        tables={by_slot_id[s.id]: s.tables for s in slots},
        participants=participants,
        candidates=tuple(candidates),
        locked=tuple(locked),
        forbidden=frozenset(forbidden),
        published=tuple(published),
    )
    return built


# -- runs -------------------------------------------------------------------------------
def recover_stale(session: Session, event_id: int) -> int:
    """Runs whose worker went silent (killed, lost) are marked failed so the event can be
    re-run; returns how many."""
    settings = get_settings()
    # A solver may report progress rarely: never call a run stale before its time limit
    # (plus a margin for building the instance and storing the result) has passed.
    quiet = max(settings.event_run_stale_seconds, settings.event_schedule_time_limit_s + 120)
    return RUNS.recover_stale(
        session,
        event_id,
        after=timedelta(seconds=quiet),
        message="计算进程长时间无响应（可能已中断），请重新排程",
    )


def start_run(session: Session, p: Principal, event_id: int) -> ScheduleRun:
    """Queue a new version of the schedule (one run at a time per event)."""
    event = _staff_event(session, p, event_id)
    if event.status not in (EventStatus.OPEN, EventStatus.CLOSED, EventStatus.HELD):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，请先开放报名再排程")
    repository.lock(session, event.id)
    recover_stale(session, event.id)
    if not repository.slots(session, event.id):
        raise Conflict("该活动还没有洽谈时段，请先添加")
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    if len(regs) < 2:
        raise Conflict("报名的参会方不足 2 个，无法排程")
    live = RUNS.live(session, event.id)
    if live is not None:
        raise Conflict(f"第 {live.version} 版排程正在计算，请等待完成或先取消")
    run = ScheduleRun(
        event_id=event.id,
        version=RUNS.next_version(session, event.id),
        status=RunStatus.QUEUED,
        created_by=p.user_id,
        problems=[],
    )
    session.add(run)
    session.flush()
    jobs.enqueue(session, TASK, run.id)
    return run


def cancel_run(session: Session, p: Principal, run_id: int) -> ScheduleRun:
    """Ask a queued or running run to stop (it keeps the best schedule found so far)."""
    run = _run(session, p, run_id)
    return RUNS.cancel(session, run, refused="该排程当前状态为“{status}”，不能取消")


def _run(session: Session, p: Principal, run_id: int) -> ScheduleRun:
    run = session.get(ScheduleRun, run_id)
    if run is None:
        raise NotFound(f"排程 {run_id} 不存在")
    _staff_event(session, p, run.event_id)
    return run


def get_run(session: Session, p: Principal, run_id: int) -> ScheduleRun:
    run = _run(session, p, run_id)
    if run.status in LIVE and recover_stale(session, run.event_id):
        session.refresh(run)
    return run


def execute(
    factory: sessionmaker[Session],
    manager: IndexManager,
    run_id: int,
    *,
    time_limit_s: float | None = None,
) -> str:
    """The body of ``events.schedule``: run the scheduler for a queued run, with progress
    and heartbeat written as it goes, and store its meetings. Idempotent: a run that is not
    queued any more (done, cancelled, taken by another worker) is left alone."""
    limit = time_limit_s or get_settings().event_schedule_time_limit_s
    # The indexes loaded and caught up before the claiming transaction: a first load
    # writes, and on SQLite would wait for that transaction's own lock.
    pairs.ready(manager)
    with factory() as session, session.begin():
        if not RUNS.claim(session, run_id, started_at=utcnow()):
            return "skipped"
        run = session.get(ScheduleRun, run_id)
        assert run is not None
        event_id = run.event_id
        built = build_instance(session, manager, event_id)

    def on_progress(progress: scheduler.Progress) -> bool:
        cancel = RUNS.report(
            factory,
            run_id,
            progress=min(0.99, progress.elapsed_s / limit),
            objective=progress.objective,
            bound=progress.bound,
        )
        return not cancel

    try:
        result = scheduler.solve(
            built.instance, time_limit_s=limit, on_progress=on_progress, names=built.names
        )
    except Exception:
        log.exception("events.schedule: run %s failed", run_id)
        RUNS.fail(factory, run_id, "排程计算出错，请重试或联系管理员")
        return "failed"
    store(factory, run_id, built, result)
    return result.status


def store(
    factory: sessionmaker[Session], run_id: int, built: Built, result: scheduler.Result
) -> None:
    """Write a run's meetings and figures (a cancelled run keeps its best schedule)."""
    locked = {m.pair for m in built.instance.locked}
    with factory() as session, session.begin():
        run = session.get(ScheduleRun, run_id)
        if run is None:
            return
        for m in result.meetings:
            a, b = sorted((int(m.a), int(m.b)))
            key = frozenset((m.a, m.b))
            session.add(
                ScheduledMeeting(
                    run_id=run.id,
                    event_id=run.event_id,
                    a_id=a,
                    b_id=b,
                    slot_id=built.slot_ids[m.slot],
                    table_no=m.table,
                    locked=m.pair in locked,
                    score=built.scores.get(key, 0.0),
                    reason=built.reasons.get(key, "锁定的洽谈"),
                )
            )
        run.status = RunStatus.CANCELLED if result.status == "cancelled" else RunStatus.DONE
        if result.status == "infeasible":
            run.status = RunStatus.FAILED
            run.error = "按当前条件无法排出日程，请查看下面的问题"
        run.solver_status = result.status
        run.objective, run.bound, run.gap = result.objective, result.bound, result.gap
        run.problems = [p.message for p in result.problems]
        run.progress = 1.0
        run.finished_at = run.heartbeat_at = utcnow()


# -- publish, roll back, lock -----------------------------------------------------------------
def publish(session: Session, p: Principal, run_id: int) -> ScheduleRun:
    """Make this version the published one (also a roll back to an earlier version).

    Atomic: the event row is locked first, so two staff publishing at once are served one
    after the other and the event never has two published versions (a partial unique index
    holds it too).
    """
    run = _run(session, p, run_id)
    event = repository.lock(session, run.event_id)
    assert event is not None
    session.refresh(run)
    if run.published:
        raise Conflict(f"第 {run.version} 版已是发布的日程")
    if run.status not in (RunStatus.DONE, RunStatus.CANCELLED) or not repository.meetings(
        session, run.id
    ):
        raise Conflict(f"第 {run.version} 版排程当前状态为“{run.status.label}”，没有可发布的日程")
    before = repository.published_run(session, event.id)
    session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.event_id == event.id, ScheduleRun.published.is_(True))
        .values(published=False)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run.id)
        .values(published=True, published_at=run.published_at or utcnow())
        .execution_options(synchronize_session=False)
    )
    repository.add_log(session, event.id, p.user_id, "publish", f"第 {run.version} 版")
    session.flush()
    session.expire_all()
    changed = None if before is None else _changed(session, before.id, run.id)
    _tell_participants(session, p, event, run.version, changed)
    return run


def _agendas(session: Session, run_id: int) -> dict[int, set[tuple[int, int, int]]]:
    """Each participant's meetings in a run: (the other side, slot, table)."""
    out: dict[int, set[tuple[int, int, int]]] = defaultdict(set)
    for m in repository.meetings(session, run_id):
        out[m.a_id].add((m.b_id, m.slot_id, m.table_no))
        out[m.b_id].add((m.a_id, m.slot_id, m.table_no))
    return out


def _changed(session: Session, before_id: int, now_id: int) -> set[int]:
    """Registrations whose own agenda differs between two published versions."""
    before, now = _agendas(session, before_id), _agendas(session, now_id)
    return {r for r in before.keys() | now.keys() if before.get(r) != now.get(r)}


def _tell_participants(
    session: Session, p: Principal, event: Event, version: int, changed: set[int] | None
) -> None:
    """Everyone registered at the first publication; afterwards only those whose own
    meetings moved, appeared or went (an unchanged agenda is no news)."""
    users: list[int] = []
    for reg in repository.registrations(
        session, event.id, statuses=(RegistrationStatus.REGISTERED,)
    ):
        if changed is not None and reg.id not in changed:
            continue
        # An expert's agenda is the expert's own, not that of their organization's users.
        if reg.expert_id is not None:
            users += [u.id for u in accounts_repository.users_of_expert(session, reg.expert_id)]
        elif reg.org_id is not None:
            users += [u.id for u in accounts_repository.users_of_org(session, reg.org_id)]
    notify(
        session,
        users,
        NotificationKind.EVENT_PUBLISHED,
        {"title": event.title, "version": version, "changed": changed is not None},
        subject=("event", event.id),
        link=f"/events/{event.id}/agenda",
        skip=p.user_id,
    )


def schedule_url(session: Session, run_id: int) -> str:
    """Where a run's versions are shown (to go back after an action on it)."""
    run = session.get(ScheduleRun, run_id)
    if run is None:
        return "/events"
    return f"/events/{run.event_id}/schedule?version={run.version}"


def set_locked(session: Session, p: Principal, meeting_id: int, locked: bool) -> ScheduledMeeting:
    """Lock a meeting: the next run keeps it where it is."""
    meeting = session.get(ScheduledMeeting, meeting_id)
    if meeting is None:
        raise NotFound(f"洽谈 {meeting_id} 不存在")
    _staff_event(session, p, meeting.event_id)
    meeting.locked = locked
    session.flush()
    return meeting


# -- what the staff pages show ----------------------------------------------------------------
def draft(session: Session, event: Event, run: ScheduleRun | None) -> dict[str, Any]:
    """A version's grid (slot × table), and per person: meetings, minimum, and why fewer."""
    slots = repository.slots(session, event.id)
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    grid: dict[int, list[ScheduledMeeting]] = {s.id: [] for s in slots}
    count: dict[int, int] = defaultdict(int)
    if run is not None:
        for m in repository.meetings(session, run.id):
            grid.setdefault(m.slot_id, []).append(m)
            count[m.a_id] += 1
            count[m.b_id] += 1
    people = []
    for r in regs:
        placed = count[r.id]
        why = ""
        if run is not None and placed < r.min_meetings:
            free = len(slots) - len(r.unavailable_slot_ids)
            if free < r.min_meetings:
                why = f"只有 {free} 个空闲时段"
            else:
                why = "合适的洽谈对象不足（可请其标记想见的单位，或邀请更多相关单位）"
        people.append({"reg": r, "placed": placed, "why": why})
    return {
        "grid": [(s, clock.to_local(s.starts_at), grid.get(s.id, [])) for s in slots],
        "names": {r.id: r.name for r in regs},
        "people": people,
        "below": [x for x in people if x["why"]],
    }


def schedule_view(
    session: Session, p: Principal, event_id: int, version: int | None
) -> dict[str, Any]:
    """The schedule page: every version, a live run's progress, and one version's draft
    (the one asked for, else the published one, else the newest finished one)."""
    event = _staff_event(session, p, event_id)
    recover_stale(session, event.id)
    runs = repository.runs(session, event.id)
    shown = next((r for r in runs if r.version == version), None) if version else None
    if shown is None:
        finished = (RunStatus.DONE, RunStatus.CANCELLED)
        shown = next((r for r in runs if r.published), None) or next(
            (r for r in runs if r.status in finished), None
        )
    live = next((r for r in runs if r.status in LIVE), None)
    view = {"event": event, "runs": runs, "shown": shown, "live": live}
    return {**view, **draft(session, event, shown)}


def table_sheets(session: Session, p: Principal, event_id: int) -> dict[str, Any]:
    """The published schedule, one sheet per table (for the front desk)."""
    event = _staff_event(session, p, event_id)
    run = repository.published_run(session, event.id)
    shown = draft(session, event, run)
    tables: dict[int, list[Any]] = defaultdict(list)
    for _slot, start, meetings in shown["grid"]:
        for m in meetings:
            tables[m.table_no].append((start, m))
    return {"event": event, "run": run, "tables": sorted(tables.items()), "names": shown["names"]}
