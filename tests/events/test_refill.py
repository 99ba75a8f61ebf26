"""Refilling slots freed by no-shows: proposals only among checked-in people who are free,
only allowed pairs, best first; confirming refuses busy, absent or forbidden people and
full slots, and adds the meeting to the published schedule with a notification each."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.enums import MeetingOutcome, Role, WishLevel
from matchmaking.events import refill, repository
from matchmaking.events import service as events
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Notification, ScheduledMeeting
from matchmaking.models.base import utcnow
from matchmaking.notifications.render import render
from tests.events.test_report import Held, held_event, meet
from tests.events.test_service import register, who
from tests.factories import make_event, make_org

P = refill.Pair


def test_choose_keeps_only_free_unmet_candidates_best_first_once_each() -> None:
    candidates = [
        P(1, 2, 0.9),
        P(1, 3, 0.4, requested=True),  # 必见 first, whatever the score
        P(2, 4, 0.8),
        P(3, 4, 0.95),  # 3 is taken by the request
        P(5, 6, 0.99),  # 6 is not free
        P(2, 5, 0.7),
    ]
    got = refill.choose({1, 2, 3, 4, 5}, candidates, met=set(), tables=10)
    assert [(c.a, c.b) for c in got] == [(1, 3), (2, 4)]
    # A pair that already meets is not proposed again; tables bound the count.
    got = refill.choose({1, 2, 3, 4, 5}, candidates, met={frozenset((1, 3))}, tables=1)
    assert [(c.a, c.b) for c in got] == [(3, 4)]
    assert refill.choose({1, 2}, candidates, met=set(), tables=0) == []


def _day(session: Session) -> tuple[Held, Any]:
    """e3 did not come; e1, e2, u1, u2 checked in. Slot 0: e1×u1 (held), e3×u2 (freed);
    slot 1: e2×u1. Wishes: e2 想见 u2, e1 不见 u2, e1 必见 u1 (they meet already)."""
    h = held_event(session)
    for k in ("e1", "e2", "u1", "u2"):
        h.regs[k].checked_in_at = utcnow()
    meet(session, h, "e1", "u1", 0, 1)
    meet(session, h, "e3", "u2", 0, 2)
    meet(session, h, "e2", "u1", 1, 1)
    events.set_wish(session, h.p["e2"], h.event.id, h.regs["u2"].id, WishLevel.WANT)
    events.set_wish(session, h.p["e1"], h.event.id, h.regs["u2"].id, WishLevel.NO)
    events.set_wish(session, h.p["e1"], h.event.id, h.regs["u1"].id, WishLevel.MUST)
    session.flush()
    return h, who(session, Role.STAFF)


def _pairs(view: refill.RefillView, slot: int) -> set[frozenset[str]]:
    return {frozenset((x.a.name, x.b.name)) for x in view.slots[slot].proposals}


def test_proposals_are_allowed_pairs_among_checked_in_free_people(
    session: Session, index_manager: IndexManager
) -> None:
    h, staff = _day(session)
    v = refill.view(session, index_manager, staff, h.event.id)
    n = {k: r.name for k, r in h.regs.items()}
    assert [r.name for r in v.absent] == [n["e3"]]
    assert v.freed == 1
    # Slot 0: e1 and u1 meet; u2 lost their partner; e2 had nothing.
    assert {r.name for r in v.slots[0].free} == {n["e2"], n["u2"]}
    assert _pairs(v, 0) == {frozenset((n["e2"], n["u2"]))}
    assert v.slots[0].table == 3  # an unused table before the freed one
    # Slot 2: everyone present is free, but e1×u1 and e2×u1 already meet, e1×u2 is 不见,
    # and e3 is absent.
    assert n["e3"] not in {r.name for r in v.slots[2].free}
    assert _pairs(v, 2) == {frozenset((n["e2"], n["u2"]))}
    for s in v.slots:
        for x in s.proposals:
            assert {x.a.id, x.b.id} != {h.regs["e1"].id, h.regs["u2"].id}


def test_confirm_adds_the_meeting_notifies_both_and_refuses_conflicts(
    session: Session, index_manager: IndexManager
) -> None:
    h, staff = _day(session)
    slots = repository.slots(session, h.event.id)
    ids = {k: r.id for k, r in h.regs.items()}

    def confirm(a: str, b: str, slot: int, by: Any = staff) -> ScheduledMeeting:
        return refill.confirm(
            session, index_manager, by, h.event.id, a_id=ids[a], b_id=ids[b], slot_id=slots[slot].id
        )

    with pytest.raises(Conflict, match=f"“{h.regs['e1'].name}”在 09:00 已有洽谈（第 1 桌）"):
        confirm("e2", "e1", 0)
    with pytest.raises(Conflict, match="尚未签到"):
        confirm("e2", "e3", 0)
    with pytest.raises(Conflict, match="不见"):
        confirm("e1", "u2", 2)
    with pytest.raises(Conflict, match="已安排过洽谈"):
        confirm("e1", "u1", 2)
    with pytest.raises(InvalidInput, match="两个不同"):
        confirm("e2", "e2", 0)
    with pytest.raises(NotFound, match="时段"):
        refill.confirm(
            session, index_manager, staff, h.event.id, a_id=ids["e2"], b_id=ids["u2"], slot_id=10**9
        )
    # A participant of another event (a forged id) is not found here.
    elsewhere = make_event(session)
    stranger = who(session, Role.UNIVERSITY, org_id=make_org(session, kind="university").id)
    forged = register(session, stranger, elsewhere.id)
    with pytest.raises(NotFound, match="未报名本活动"):
        refill.confirm(
            session,
            index_manager,
            staff,
            h.event.id,
            a_id=ids["e2"],
            b_id=forged.id,
            slot_id=slots[0].id,
        )
    with pytest.raises(Forbidden):
        confirm("e2", "u2", 0, by=who(session, Role.STAFF, town="正余镇"))
    day_after = datetime.combine(h.event.held_on + timedelta(days=1), time(9), clock.zone())
    with clock.frozen(day_after), pytest.raises(Conflict, match="已结束"):
        confirm("e2", "u2", 0)

    made = confirm("e2", "u2", 0)
    assert (made.run_id, made.table_no) == (h.run.id, 3)
    assert made.reason.startswith("现场补位")
    in_run = session.scalars(
        select(ScheduledMeeting).where(
            ScheduledMeeting.run_id == h.run.id, ScheduledMeeting.slot_id == slots[0].id
        )
    ).all()
    assert len(in_run) == 3
    # u2's freed meeting with the absent e3 now says the partner did not come.
    freed = next(m for m in in_run if ids["e3"] in (m.a_id, m.b_id))
    side = freed.outcome_a if freed.a_id == ids["u2"] else freed.outcome_b
    assert side is MeetingOutcome.NO_SHOW
    for k, other in (("e2", "u2"), ("u2", "e2")):
        note = session.scalars(
            select(Notification).where(Notification.user_id == h.p[k].user_id)
        ).all()
        texts = [render(x.kind, x.payload) for x in note]
        assert any("09:00 第 3 桌" in t and h.regs[other].name in t for t in texts), texts
    # Both are busy in slot 0 now; the pair is not proposed again anywhere.
    with pytest.raises(Conflict, match="已有洽谈"):
        confirm("u2", "e1", 0)
    with pytest.raises(Conflict, match="已安排过洽谈"):
        confirm("e2", "u2", 2)
    v = refill.view(session, index_manager, staff, h.event.id)
    assert all(not s.proposals for s in v.slots)


def test_a_full_slot_and_an_unpublished_schedule_are_refused(
    session: Session, index_manager: IndexManager
) -> None:
    h, staff = _day(session)
    slots = repository.slots(session, h.event.id)
    slots[0].tables = 1  # e1×u1 holds the only table
    session.flush()
    with pytest.raises(Conflict, match="09:00 没有空闲的洽谈桌"):
        refill.confirm(
            session,
            index_manager,
            staff,
            h.event.id,
            a_id=h.regs["e2"].id,
            b_id=h.regs["u2"].id,
            slot_id=slots[0].id,
        )
    h.run.published = False
    session.flush()
    with pytest.raises(Conflict, match="日程尚未发布"):
        refill.view(session, index_manager, staff, h.event.id)
