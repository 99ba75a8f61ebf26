"""Events as a service: registration window and capacity, wishes, the scheduler's instance,
runs stored as versions, publishing one version, and a run whose worker died."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.accounts.service import principal_for
from matchmaking.enums import RegistrationStatus, Role, RunStatus, WishLevel
from matchmaking.events import repository, scheduling
from matchmaking.events import service as events
from matchmaking.events.schemas import EventCreate, RegistrationInput, SessionCreate
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import ScheduledMeeting, ScheduleRun
from tests.factories import (
    make_achievement,
    make_event,
    make_expert,
    make_need,
    make_org,
    make_user,
)


def who(session: Session, role: Role, **kw: Any) -> Principal:
    return principal_for(make_user(session, role=role, **kw))


def register(session: Session, p: Principal, event_id: int, **kw: Any) -> Any:
    return events.register(session, p, event_id, RegistrationInput(**kw))


def test_registration_refused_outside_the_window_and_over_capacity(session: Session) -> None:
    event = make_event(session, capacity=2)
    first, second, third = (who(session, Role.ENTERPRISE) for _ in range(3))
    register(session, first, event.id)
    # Changing what one brings is no second seat.
    register(session, first, event.id, min_meetings=2)
    register(session, second, event.id)
    with pytest.raises(Conflict, match="报名人数已满（名额 2 个）"):
        register(session, third, event.id)

    later = clock.now() + timedelta(days=6)
    with clock.frozen(later), pytest.raises(Conflict, match="报名已于 .* 截止"):
        register(session, third, event.id)


def test_unknown_and_draft_events_are_not_found_and_closed_refuse(session: Session) -> None:
    company = who(session, Role.ENTERPRISE)
    with pytest.raises(NotFound, match="活动 999999 不存在"):
        register(session, company, 999999)
    draft = make_event(session, status="draft")
    with pytest.raises(NotFound):
        register(session, company, draft.id)
    staff = who(session, Role.STAFF)
    opened = make_event(session)
    from matchmaking.enums import EventAction

    events.move(session, staff, opened.id, EventAction.CLOSE)
    with pytest.raises(Conflict, match="当前状态为“报名截止”，不能报名"):
        register(session, company, opened.id)


def test_town_staff_see_only_their_towns_events(session: Session) -> None:
    district = make_event(session, town="正余镇")
    other = make_event(session, town="三厂街道")
    zy = who(session, Role.STAFF, town="正余镇")
    ids = {e.id for e in events.list_events(session, zy).items}
    assert district.id in ids
    assert other.id not in ids
    with pytest.raises(Forbidden):
        events.add_session(session, zy, other.id, SessionCreate(start="14:00", tables=5))
    with pytest.raises(Forbidden):
        events.create(
            session,
            zy,
            EventCreate(
                title="越权的活动",
                kind="roadshow",
                held_on=clock.local_today() + timedelta(days=3),
                town="三厂街道",
                registration_opens=clock.local_today(),
                registration_closes=clock.local_today(),
                capacity=10,
            ),
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "坏\x00标题"}, "控制字符"),
        ({"capacity": 10**12}, "less_than_equal"),
        ({"held_on": "2026-02-30"}, "date"),
        ({"held_on": "20266-01-01"}, "date"),
        ({"registration_closes": "2099-01-01"}, "不能晚于举办日期"),
    ],
)
def test_hostile_event_input_is_refused(values: dict[str, Any], message: str) -> None:
    base = {
        "title": "氢能专场",
        "kind": "by_industry",
        "held_on": "2027-01-10",
        "registration_opens": "2026-12-01",
        "registration_closes": "2027-01-05",
        "capacity": 30,
    }
    with pytest.raises(ValidationError) as caught:
        EventCreate(**{**base, **values})
    assert message in str(caught.value)


def test_a_session_becomes_slots_and_may_not_overlap(session: Session) -> None:
    event = make_event(session)
    staff = who(session, Role.STAFF)
    with pytest.raises(InvalidInput, match="重叠"):
        events.add_session(session, staff, event.id, SessionCreate(start="09:30", tables=5))
    made = events.add_session(
        session, staff, event.id, SessionCreate(start="14:00", meetings=3, tables=5)
    )
    assert [clock.to_local(s.starts_at).strftime("%H:%M") for s in made] == [
        "14:00",
        "14:25",
        "14:50",
    ]


def _world(session: Session) -> dict[str, Any]:
    event = make_event(session)
    ent_a = make_org(session, kind="enterprise")
    ent_b = make_org(session, kind="enterprise")
    uni = make_org(session, kind="university")
    make_need(session, org_id=ent_a.id)
    make_need(
        session,
        org_id=ent_b.id,
        title="储氢瓶内胆阻氢材料",
        description="高压储氢瓶内胆需要阻氢新材料。",
    )
    make_achievement(session, org_id=uni.id)
    expert = make_expert(session, org_id=uni.id)
    p = {
        "a": who(session, Role.ENTERPRISE, org_id=ent_a.id),
        "b": who(session, Role.ENTERPRISE, org_id=ent_b.id),
        "u": who(session, Role.UNIVERSITY, org_id=uni.id),
        "x": who(session, Role.EXPERT, expert_id=expert.id),
    }
    regs = {k: register(session, v, event.id, min_meetings=1, max_meetings=4) for k, v in p.items()}
    return {"event": event, "p": p, "regs": regs}


def test_instance_keeps_wishes_and_leaves_out_no_and_same_organization(
    session: Session, index_manager: IndexManager
) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    events.set_wish(session, p["a"], event.id, regs["u"].id, WishLevel.MUST)
    events.set_wish(session, p["u"], event.id, regs["a"].id, WishLevel.WANT)
    events.set_wish(session, p["b"], event.id, regs["x"].id, WishLevel.NO)
    with pytest.raises(InvalidInput, match="本单位"):
        events.set_wish(session, p["u"], event.id, regs["x"].id, WishLevel.MUST)  # noqa: PT012

    built = scheduling.build_instance(session, index_manager, event.id)
    pairs = {frozenset((c.a, c.b)): c for c in built.instance.candidates}
    au = frozenset((str(regs["a"].id), str(regs["u"].id)))
    assert pairs[au].requested
    assert pairs[au].mutual
    assert frozenset((str(regs["b"].id), str(regs["x"].id))) not in pairs  # 不见
    assert frozenset((str(regs["u"].id), str(regs["x"].id))) not in pairs  # one organization
    assert frozenset((str(regs["b"].id), str(regs["x"].id))) in built.instance.forbidden
    assert "必见" in built.reasons[au]


def test_runs_are_versions_and_one_is_published(
    session: Session, factory: sessionmaker[Session], index_manager: IndexManager
) -> None:
    w = _world(session)
    event, p = w["event"], w["p"]
    events.set_wish(session, p["a"], event.id, w["regs"]["u"].id, WishLevel.MUST)
    staff = who(session, Role.STAFF)
    first = scheduling.start_run(session, staff, event.id)
    with pytest.raises(Conflict, match="正在计算"):
        scheduling.start_run(session, staff, event.id)
    session.commit()
    assert scheduling.execute(factory, index_manager, first.id, time_limit_s=5) != "skipped"
    assert (
        scheduling.execute(factory, index_manager, first.id, time_limit_s=5) == "skipped"
    )  # idempotent
    session.expire_all()
    assert first.status is RunStatus.DONE
    meetings = session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == first.id))
    placed = {frozenset((m.a_id, m.b_id)) for m in meetings}
    assert frozenset((w["regs"]["a"].id, w["regs"]["u"].id)) in placed

    second = scheduling.start_run(session, staff, event.id)
    session.commit()
    scheduling.execute(factory, index_manager, second.id, time_limit_s=5)
    scheduling.publish(session, staff, second.id)
    scheduling.publish(session, staff, first.id)  # roll back
    published = session.scalars(
        select(ScheduleRun.version).where(
            ScheduleRun.event_id == event.id, ScheduleRun.published.is_(True)
        )
    ).all()
    assert published == [1]
    with pytest.raises(Conflict, match="已是发布的日程"):
        scheduling.publish(session, staff, first.id)


def test_a_run_whose_worker_died_is_failed_and_can_be_run_again(session: Session) -> None:
    w = _world(session)
    staff = who(session, Role.STAFF)
    run = scheduling.start_run(session, staff, w["event"].id)
    session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run.id)
        .values(status=RunStatus.RUNNING, heartbeat_at=clock.now() - timedelta(hours=1))
    )
    session.expire_all()
    assert scheduling.get_run(session, staff, run.id).status is RunStatus.FAILED
    again = scheduling.start_run(session, staff, w["event"].id)
    assert again.version == run.version + 1


def test_cancelled_registration_is_out_of_the_instance(
    session: Session, index_manager: IndexManager
) -> None:
    w = _world(session)
    events.cancel_registration(session, w["p"]["b"], w["event"].id)
    assert w["regs"]["b"].status is RegistrationStatus.CANCELLED
    built = scheduling.build_instance(session, index_manager, w["event"].id)
    assert str(w["regs"]["b"].id) not in {x.id for x in built.instance.participants}


def test_moving_the_date_moves_the_slots(session: Session) -> None:
    event = make_event(session)
    staff = who(session, Role.STAFF)
    data = EventCreate.model_validate(
        {
            **{k: getattr(event, k) for k in EventCreate.model_fields if k != "town"},
            "kind": event.kind,
            "held_on": event.held_on + timedelta(days=1),
        }
    )
    events.update(session, staff, event.id, data)
    starts = [clock.to_local(s.starts_at) for s in repository.slots(session, event.id)]
    assert {s.date() for s in starts} == {event.held_on}
    assert starts[0].strftime("%H:%M") == "09:00"


def test_invitation_is_a_notification_in_chinese(session: Session) -> None:
    from matchmaking.notifications import service as notifications

    event = make_event(session)
    staff = who(session, Role.STAFF)
    company = make_org(session, kind="enterprise")
    user = make_user(session, role=Role.ENTERPRISE, org_id=company.id)
    made = events.invite(session, staff, event.id, [company.id, company.id])
    assert len(made) == 1
    assert made[0].status is RegistrationStatus.INVITED
    text = notifications.list_page(session, user.id).items[0].text
    assert f"科技局邀请您参加“{event.title}”" in text
    # Accepting is registering.
    reg = register(session, principal_for(user), event.id)
    assert reg.id == made[0].id
    assert reg.status is RegistrationStatus.REGISTERED


def test_proposed_invitations_carry_the_calibrated_fit(
    session: Session, index_manager: IndexManager
) -> None:
    # Given an event on fuel-cell bipolar plates, a company with such a need and one
    # with a textile need.
    event = make_event(session)
    staff = who(session, Role.STAFF)
    fitting = make_need(session)
    unrelated = make_need(
        session,
        title="涤纶面料印染色牢度提升",
        description="涤纶面料印染后色牢度不达标，水洗后褪色明显，需要改进染色工艺。",
        industry_field="textiles",
    )
    session.commit()
    # When staff look at whom to invite
    proposed = events.propose(session, index_manager, staff, event.id)
    # Then the score shown is the pair's 0–1 fit (as on schedules and visits), best first,
    # and a company whose need is below the relevance line is not proposed at all.
    scores = {x.need_id: x.score for x in proposed}
    assert scores[fitting.id] >= pairs.FIT_THRESHOLD
    assert unrelated.id not in scores
    assert [x.score for x in proposed] == sorted(scores.values(), reverse=True)


def test_the_other_side_is_proposed_for_the_invited_companies(
    session: Session, index_manager: IndexManager
) -> None:
    from matchmaking.notifications import service as notifications

    # Given an invited company with a bipolar-plate coating need, a university with a
    # fitting achievement, a fitting expert, and a textile university nobody needs.
    event = make_event(session)
    staff = who(session, Role.STAFF)
    need = make_need(session)
    coating = make_achievement(session)
    expert = make_expert(session)
    expert_user = make_user(session, role=Role.EXPERT, expert_id=expert.id)
    textiles = make_achievement(
        session,
        title="涤纶面料低温染色工艺",
        abstract="低温分散染料染色工艺，降低能耗，色牢度达到四级。",
        industry_field="textiles",
    )
    assert events.propose_supply(session, index_manager, staff, event.id) == []
    events.invite(session, staff, event.id, [need.org_id])
    session.commit()
    # When staff look for whom to invite on the other side of the table
    proposed = events.propose_supply(session, index_manager, staff, event.id)
    # Then the fitting university and expert come first, each with the need it serves.
    by_key = {x.key: x for x in proposed}
    assert by_key[f"org:{coating.org_id}"].need_title == need.title
    assert by_key[f"expert:{expert.id}"].score >= pairs.FIT_THRESHOLD
    textile_key = f"org:{textiles.org_id}"
    if textile_key in by_key:
        assert by_key[textile_key].score < by_key[f"org:{coating.org_id}"].score
    assert [x.score for x in proposed] == sorted((x.score for x in proposed), reverse=True)
    # And inviting the expert registers them in person (side 专家) and tells them.
    made = events.invite_experts(session, staff, event.id, [expert.id, expert.id])
    assert [(r.side, r.expert_id, r.status) for r in made] == [
        ("expert", expert.id, RegistrationStatus.INVITED)
    ]
    assert (
        f"邀请您参加“{event.title}”"
        in notifications.list_page(session, expert_user.id).items[0].text
    )
    again = {x.key: x for x in events.propose_supply(session, index_manager, staff, event.id)}
    assert again[f"expert:{expert.id}"].invited
    # A forged expert id is refused; companies cannot ask for proposals.
    with pytest.raises(NotFound):
        events.invite_experts(session, staff, event.id, [10**9])
    with pytest.raises(Forbidden):
        events.propose_supply(session, index_manager, who(session, Role.ENTERPRISE), event.id)
