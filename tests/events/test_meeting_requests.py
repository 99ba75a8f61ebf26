"""约见请求: send, accept, decline, withdraw, each side told in Chinese; hostile input
(forged and foreign ids, long and invisible text, someone else's request, a second answer);
a cancelled registration closes its requests; the scheduler's candidates follow them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from matchmaking.enums import (
    EventAction,
    MeetingRequestStatus,
    NotificationKind,
    RegistrationStatus,
    Role,
    WishLevel,
)
from matchmaking.events import requests, scheduling
from matchmaking.events import service as events
from matchmaking.events.requests import MeetingRequestAnswer, MeetingRequestSend
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import MeetingRequest, Notification
from matchmaking.notifications.render import render
from tests.events.test_service import _world, register, who
from tests.factories import make_event

S = MeetingRequestStatus


def send(session: Session, p: Any, event_id: int, to_id: int, message: str = "") -> Any:
    return requests.send(session, p, event_id, MeetingRequestSend(to_id=to_id, message=message))


def told(session: Session, p: Any, kind: NotificationKind) -> list[Notification]:
    stmt = select(Notification).where(
        Notification.user_id == p.user_id, Notification.kind == kind.value
    )
    return list(session.scalars(stmt.order_by(Notification.id)))


def test_a_request_is_sent_accepted_and_both_sides_are_told(session: Session) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]

    # Given company a asks the university for a meeting, with a message
    made = send(session, p["a"], event.id, regs["u"].id, "  希望交流双极板涂层方案  ")
    assert made.status is S.PENDING
    assert made.message == "希望交流双极板涂层方案"

    # Then the university is told, in Chinese, with a link to the event's requests
    [note] = told(session, p["u"], NotificationKind.MEETING_REQUESTED)
    text = render(note.kind, note.payload)
    assert regs["a"].name in text
    assert "留言：希望交流双极板涂层方案" in text
    assert note.link == f"/events/{event.id}/participants#requests"
    assert not told(session, p["a"], NotificationKind.MEETING_REQUESTED)  # not the sender

    # and sees it among the requests received; company a among those sent
    theirs = requests.mine(session, p["u"], event.id)
    assert [(x.request.id, x.other.name) for x in theirs.received] == [(made.id, regs["a"].name)]
    assert theirs.sent == []
    assert [x.request.id for x in requests.mine(session, p["a"], event.id).sent] == [made.id]

    # The university cannot send its own request back: it answers the one it has
    with pytest.raises(Conflict, match="对方已向您发起约见，请直接答复"):
        send(session, p["u"], event.id, regs["a"].id)
    # and company a cannot send a second one
    with pytest.raises(Conflict, match="已向.*发起过约见（待答复）"):
        send(session, p["a"], event.id, regs["u"].id)

    # When the university accepts
    answered = requests.answer(
        session, p["u"], event.id, made.id, MeetingRequestAnswer(accept=True)
    )
    assert answered.status is S.ACCEPTED
    assert answered.answered_at is not None

    # Then company a is told it was accepted
    [note] = told(session, p["a"], NotificationKind.MEETING_REQUEST_ANSWERED)
    assert f"“{regs['u'].name}”接受了您在“{event.title}”的约见请求" in render(
        note.kind, note.payload
    )
    # and a second answer is refused, naming the state the first one left
    with pytest.raises(Conflict, match="该约见请求当前状态为“已接受”，不能婉拒"):
        requests.answer(session, p["u"], event.id, made.id, MeetingRequestAnswer(accept=False))
    with pytest.raises(Conflict, match="当前状态为“已接受”，不能撤回"):
        requests.withdraw(session, p["a"], event.id, made.id)


def test_decline_with_reason_withdraw_and_send_again(session: Session) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    to_x = send(session, p["b"], event.id, regs["x"].id)
    declined = requests.answer(
        session, p["x"], event.id, to_x.id, MeetingRequestAnswer(accept=False, reason="时间冲突")
    )
    assert (declined.status, declined.reason) == (S.DECLINED, "时间冲突")
    [note] = told(session, p["b"], NotificationKind.MEETING_REQUEST_ANSWERED)
    assert render(note.kind, note.payload).endswith(
        "婉拒了您在“" + event.title + "”的约见请求，原因：时间冲突"
    )
    # The one who declined cannot turn round and ask; the sender cannot ask again.
    with pytest.raises(Conflict, match="您已婉拒"):
        send(session, p["x"], event.id, regs["b"].id)
    with pytest.raises(Conflict, match="（已婉拒）"):
        send(session, p["b"], event.id, regs["x"].id)

    # A pending request is withdrawn by its sender; the receiver is told.
    to_u = send(session, p["b"], event.id, regs["u"].id, "第一次")
    assert requests.withdraw(session, p["b"], event.id, to_u.id).status is S.WITHDRAWN
    [note] = told(session, p["u"], NotificationKind.MEETING_REQUEST_WITHDRAWN)
    assert "撤回了" in render(note.kind, note.payload)
    with pytest.raises(Conflict, match="当前状态为“已撤回”，不能接受"):
        requests.answer(session, p["u"], event.id, to_u.id, MeetingRequestAnswer(accept=True))
    # Sent again: the same row (one per ordered pair), pending with the new message.
    again = send(session, p["b"], event.id, regs["u"].id, "第二次")
    assert (again.id, again.status, again.message) == (to_u.id, S.PENDING, "第二次")
    assert len(told(session, p["u"], NotificationKind.MEETING_REQUESTED)) == 2


def test_hostile_requests_are_refused_in_chinese_and_write_nothing(session: Session) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    other_event = make_event(session)
    stranger = register(session, who(session, Role.ENTERPRISE), other_event.id)

    with pytest.raises(NotFound, match="该参会方不存在或已取消报名"):
        send(session, p["a"], event.id, 999_999_999)
    with pytest.raises(NotFound, match="该参会方不存在"):
        send(session, p["a"], event.id, stranger.id)  # another event's registration
    with pytest.raises(InvalidInput, match="不能向本单位发起约见"):
        send(session, p["a"], event.id, regs["a"].id)
    with pytest.raises(InvalidInput, match="不能向本单位发起约见"):
        send(session, p["u"], event.id, regs["x"].id)  # the university's own expert
    with pytest.raises(ValidationError, match="200"):
        MeetingRequestSend(to_id=regs["u"].id, message="长" * 201)
    with pytest.raises(ValidationError, match="不可见的控制字符"):
        MeetingRequestSend(to_id=regs["u"].id, message="你好\x00")
    with pytest.raises(ValidationError, match="改变文字显示方向"):
        MeetingRequestAnswer(accept=False, reason="abc\u202edef")
    with pytest.raises(ValidationError):
        MeetingRequestSend(to_id=0)
    # Not registered, or staff: no requests.
    with pytest.raises(Forbidden, match="请先报名本活动"):
        send(session, who(session, Role.ENTERPRISE), event.id, regs["u"].id)
    with pytest.raises(Forbidden):
        send(session, who(session, Role.STAFF), event.id, regs["u"].id)
    assert (
        session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id)).all()
        == []
    )

    made = send(session, p["a"], event.id, regs["u"].id)
    # Only the receiver answers, only the sender withdraws; others do not even see it.
    for outsider in (p["b"], p["x"], p["a"]):
        with pytest.raises(NotFound, match="该约见请求不存在"):
            requests.answer(session, outsider, event.id, made.id, MeetingRequestAnswer(accept=True))
    for outsider in (p["b"], p["u"]):
        with pytest.raises(NotFound, match="该约见请求不存在"):
            requests.withdraw(session, outsider, event.id, made.id)
    # The right request under another event's id is not found either.
    register(session, p["u"], other_event.id)
    with pytest.raises(NotFound, match="该约见请求不存在"):
        requests.answer(session, p["u"], other_event.id, made.id, MeetingRequestAnswer(accept=True))
    session.refresh(made)
    assert made.status is S.PENDING

    # Once the event is held, nothing can be sent or answered.
    staff = who(session, Role.STAFF)
    events.move(session, staff, event.id, EventAction.CLOSE)
    send(session, p["b"], event.id, regs["u"].id)  # closed for registration: still allowed
    events.move(session, staff, event.id, EventAction.HOLD)
    with pytest.raises(Conflict, match="当前状态为“已举办”，不能再发起或答复约见"):
        send(session, p["b"], event.id, regs["x"].id)
    with pytest.raises(Conflict, match="已举办"):
        requests.answer(session, p["u"], event.id, made.id, MeetingRequestAnswer(accept=True))


def test_of_two_answers_at_once_one_wins_and_the_other_gets_409(session: Session) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    made = send(session, p["a"], event.id, regs["u"].id)
    # Another request (another user of the university) accepted it after this one read the
    # row: the row in memory still says pending, the database says accepted.
    session.execute(
        update(MeetingRequest)
        .where(MeetingRequest.id == made.id)
        .values(status=S.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    assert made.status is S.PENDING
    with pytest.raises(Conflict, match="该约见请求当前状态为“已接受”，不能婉拒"):
        requests.answer(session, p["u"], event.id, made.id, MeetingRequestAnswer(accept=False))
    session.refresh(made)
    assert made.status is S.ACCEPTED
    assert not told(session, p["a"], NotificationKind.MEETING_REQUEST_ANSWERED)


def test_cancelling_a_registration_closes_its_pending_requests(session: Session) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]
    sent = send(session, p["b"], event.id, regs["u"].id)
    received = send(session, p["x"], event.id, regs["b"].id)
    answered = send(session, p["a"], event.id, regs["b"].id)
    requests.answer(session, p["b"], event.id, answered.id, MeetingRequestAnswer(accept=True))

    events.cancel_registration(session, p["b"], event.id)

    for row in (sent, received, answered):
        session.refresh(row)
    assert sent.status is S.WITHDRAWN
    assert (received.status, received.reason) == (S.DECLINED, "对方已取消报名")
    assert answered.status is S.ACCEPTED  # answered ones stay as they were
    assert regs["b"].status is RegistrationStatus.CANCELLED
    # The university no longer has anything to answer; staff counts leave withdrawn ones out.
    assert [x.request.status for x in requests.mine(session, p["u"], event.id).received] == [
        S.WITHDRAWN
    ]
    assert requests.counts(session, event.id)[regs["b"].id] == (0, 2)


def test_the_scheduler_places_accepted_excludes_declined_and_offers_pending(
    session: Session, index_manager: IndexManager
) -> None:
    w = _world(session)
    event, p, regs = w["event"], w["p"], w["regs"]

    def key(x: str, y: str) -> frozenset[str]:
        return frozenset((str(regs[x].id), str(regs[y].id)))

    accepted = send(session, p["a"], event.id, regs["x"].id, "想请教储氢材料")
    requests.answer(session, p["x"], event.id, accepted.id, MeetingRequestAnswer(accept=True))
    declined = send(session, p["b"], event.id, regs["u"].id)
    requests.answer(session, p["u"], event.id, declined.id, MeetingRequestAnswer(accept=False))
    send(session, p["a"], event.id, regs["b"].id)  # pending, no mark
    send(session, p["b"], event.id, regs["x"].id)  # pending, with a 必见 mark
    events.set_wish(session, p["b"], event.id, regs["x"].id, WishLevel.MUST)
    withdrawn = send(session, p["a"], event.id, regs["u"].id)
    requests.withdraw(session, p["a"], event.id, withdrawn.id)

    built = scheduling.build_instance(session, index_manager, event.id)
    pairs = {frozenset((c.a, c.b)): c for c in built.instance.candidates}
    assert (pairs[key("a", "x")].requested, pairs[key("a", "x")].mutual) == (True, True)
    assert "接受了" in built.reasons[key("a", "x")]
    assert key("b", "u") not in pairs
    assert key("b", "u") in built.instance.forbidden
    assert (pairs[key("a", "b")].requested, pairs[key("a", "b")].mutual) == (False, False)
    assert "发起了约见请求" in built.reasons[key("a", "b")]
    assert pairs[key("b", "x")].requested  # the 必见 mark keeps it requested
    # A withdrawn request counts for nothing (matching alone may still propose the pair).
    assert "约见" not in built.reasons.get(key("a", "u"), "")
    assert key("a", "u") not in built.instance.forbidden

    # A request of a participant who then cancelled is not in the instance at all.
    events.cancel_registration(session, p["a"], event.id)
    built = scheduling.build_instance(session, index_manager, event.id)
    assert all(str(regs["a"].id) not in (c.a, c.b) for c in built.instance.candidates)
