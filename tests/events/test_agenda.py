"""After publishing: agendas as .ics (parsed with icalendar), check-in, outcomes, follow-up."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import DockingStatus, MeetingOutcome, Role, WishLevel
from matchmaking.events import agenda, scheduling
from matchmaking.events import service as events
from matchmaking.exceptions import Conflict, Forbidden
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Docking, ScheduledMeeting
from matchmaking.notifications import service as notifications
from tests.events.test_service import _world, who


def _wished(session: Session) -> tuple[Any, dict[str, Any], dict[str, Any], Any]:
    """The event world with company a's 必见 mark on the university; and a staff member."""
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    events.set_wish(session, p["a"], event.id, regs["u"].id, WishLevel.MUST)
    return event, p, regs, who(session, Role.STAFF)


def _computed(
    session: Session,
    factory: sessionmaker[Session],
    manager: IndexManager,
    staff: Any,
    event_id: int,
) -> Any:
    """A new version of the schedule, computed (not published)."""
    run = scheduling.start_run(session, staff, event_id)
    session.commit()
    scheduling.execute(factory, manager, run.id, time_limit_s=5)
    session.expire_all()
    return run


def _publish(
    session: Session,
    factory: sessionmaker[Session],
    manager: IndexManager,
    staff: Any,
    event_id: int,
) -> Any:
    run = _computed(session, factory, manager, staff, event_id)
    scheduling.publish(session, staff, run.id)
    session.commit()
    return run


def _vevents(data: bytes) -> dict[str, Any]:
    cal = Calendar.from_ical(data)
    return {str(c["UID"]): c for c in cal.walk("VEVENT")}


def test_ics_keeps_uids_raises_sequence_and_cancels_dropped_meetings(
    session: Session,
    factory: sessionmaker[Session],
    index_manager: IndexManager,
) -> None:
    event, p, regs, staff = _wished(session)
    first = _publish(session, factory, index_manager, staff, event.id)

    one = _vevents(agenda.ics(session, p["a"], event.id))
    assert one, "company a has meetings"
    assert all(int(e["SEQUENCE"]) == first.version for e in one.values())
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in one.values())
    assert all("洽谈：" in str(e["SUMMARY"]) for e in one.values())

    # Re-publish an identical schedule: same UIDs, higher SEQUENCE.
    second = _publish(session, factory, index_manager, staff, event.id)
    two = _vevents(agenda.ics(session, p["a"], event.id))
    assert set(two) == set(one)
    assert all(int(e["SEQUENCE"]) == second.version for e in two.values())

    # A meeting dropped from the next published version is sent as CANCELLED.
    third = _computed(session, factory, index_manager, staff, event.id)
    mine = session.scalars(
        select(ScheduledMeeting).where(
            ScheduledMeeting.run_id == third.id,
            (ScheduledMeeting.a_id == regs["a"].id) | (ScheduledMeeting.b_id == regs["a"].id),
        )
    ).all()
    dropped = mine[0]
    session.execute(delete(ScheduledMeeting).where(ScheduledMeeting.id == dropped.id))
    session.commit()
    scheduling.publish(session, staff, third.id)
    three = _vevents(agenda.ics(session, p["a"], event.id))
    assert set(three) == set(one)
    cancelled = [u for u, e in three.items() if str(e["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 1
    assert f"-{min(dropped.a_id, dropped.b_id)}-{max(dropped.a_id, dropped.b_id)}@" in cancelled[0]
    assert int(three[cancelled[0]]["SEQUENCE"]) == third.version


def test_republishing_tells_only_those_whose_meetings_changed(
    session: Session, factory: sessionmaker[Session], index_manager: IndexManager
) -> None:
    event, p, regs, staff = _wished(session)

    def told(key: str) -> list[str]:
        page = notifications.list_page(session, p[key].user_id)
        return [n.text for n in page.items if "洽谈日程" in n.text]

    _publish(session, factory, index_manager, staff, event.id)
    assert all(len(told(k)) == 1 for k in p), {k: told(k) for k in p}
    assert "已发布" in told("a")[0]

    # The same schedule published again is no news to anyone.
    _publish(session, factory, index_manager, staff, event.id)
    assert all(len(told(k)) == 1 for k in p), {k: told(k) for k in p}

    # A version that is the published one less company a's meeting with the expert: a
    # and the expert are told, nobody else.
    second = _computed(session, factory, index_manager, staff, event.id)
    published = scheduling.repository.published_run(session, event.id)
    assert published is not None
    kept = scheduling.repository.meetings(session, published.id)
    # a's meeting with the expert (the university's own users are not the expert's).
    dropped = next(m for m in kept if {m.a_id, m.b_id} == {regs["a"].id, regs["x"].id})
    session.execute(delete(ScheduledMeeting).where(ScheduledMeeting.run_id == second.id))
    for m in kept:
        if m.id != dropped.id:
            session.add(
                ScheduledMeeting(
                    run_id=second.id,
                    event_id=event.id,
                    a_id=m.a_id,
                    b_id=m.b_id,
                    slot_id=m.slot_id,
                    table_no=m.table_no,
                    score=m.score,
                    reason=m.reason,
                )
            )
    session.commit()
    scheduling.publish(session, staff, second.id)
    session.commit()
    moved = {dropped.a_id, dropped.b_id}
    for key, reg in regs.items():
        expected = 2 if reg.id in moved else 1
        assert len(told(key)) == expected, (key, told(key))
    assert "有调整" in told("a")[0]


def test_only_participants_have_an_agenda(session: Session, factory: sessionmaker[Session]) -> None:
    w = _world(session)
    stranger = who(session, Role.ENTERPRISE)
    with pytest.raises(Forbidden, match="没有报名"):
        agenda.ics(session, stranger, w["event"].id)


def test_check_in_outcomes_and_follow_up_docking(
    session: Session,
    factory: sessionmaker[Session],
    index_manager: IndexManager,
) -> None:
    event, p, regs, staff = _wished(session)
    _publish(session, factory, index_manager, staff, event.id)

    assert agenda.by_token(session, staff, regs["a"].checkin_token).id == regs["a"].id
    agenda.check_in(session, staff, event.id, regs["a"].id)
    with pytest.raises(Conflict, match="已于"):
        agenda.check_in(session, staff, event.id, regs["a"].id)
    svg = agenda.qr_svg(session, p["a"], event.id, "https://kjj.example.cn")
    assert svg.lstrip().startswith(b"<?xml") or b"<svg" in svg

    _e, _r, items = agenda.agenda(session, p["a"], event.id)
    with_uni = next(i for i in items if i.other.id == regs["u"].id)
    with pytest.raises(Conflict, match="尚未举办"):
        agenda.record_outcome(session, p["a"], event.id, with_uni.meeting_id, MeetingOutcome.HELD)
    day = datetime.combine(event.held_on, time(17, 0), tzinfo=clock.zone())
    with clock.frozen(day):
        agenda.record_outcome(session, p["u"], event.id, with_uni.meeting_id, MeetingOutcome.INTENT)
        docking_id = agenda.follow_up(session, index_manager, p["a"], event.id, with_uni.meeting_id)
    d = session.get(Docking, docking_id)
    assert d is not None
    assert d.status is DockingStatus.REQUESTED
    meeting = session.get(ScheduledMeeting, with_uni.meeting_id)
    assert meeting is not None
    assert meeting.docking_id == docking_id
    with clock.frozen(day), pytest.raises(Conflict, match="已发起对接"):
        agenda.follow_up(session, index_manager, p["a"], event.id, with_uni.meeting_id)
    # Someone outside the meeting cannot record its outcome.
    with clock.frozen(day), pytest.raises(Forbidden):
        agenda.record_outcome(session, p["b"], event.id, with_uni.meeting_id, MeetingOutcome.HELD)


def test_a_cancellation_after_publishing_tells_the_people_they_were_to_meet(
    session: Session, factory: sessionmaker[Session], index_manager: IndexManager
) -> None:
    event, p, regs, staff = _wished(session)
    _publish(session, factory, index_manager, staff, event.id)
    _e, _r, items = agenda.agenda(session, p["u"], event.id)
    partners = {i.other.id for i in items}
    assert regs["a"].id in partners

    events.cancel_registration(session, p["a"], event.id)

    texts = [n.text for n in notifications.list_page(session, p["u"].user_id).items]
    assert any("已取消参加" in t and "的洽谈取消" in t for t in texts), texts
