"""约见请求: before an event, a registered participant asks another for a meeting; the other
accepts or declines, the sender may withdraw while it is pending.

The scheduler reads them (``candidates``): an accepted request is a requested and mutual
candidate pair, a declined one excludes the pair (like 不见), a pending one is a one-sided
candidate. Moves go through one ``StateMachine`` (a conditional UPDATE), so of two answers
sent at once exactly one wins and the other gets a 409 naming the state it found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import Field
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.common.numbers import DbId
from matchmaking.common.transitions import StateMachine
from matchmaking.common.validation import TextInput
from matchmaking.enums import (
    EventStatus,
    MeetingRequestAction,
    MeetingRequestStatus,
    NotificationKind,
    RegistrationStatus,
)
from matchmaking.events import repository
from matchmaking.events.service import get_visible, my_registration, users_of
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.models import Event, MeetingRequest, Registration
from matchmaking.models.base import utcnow
from matchmaking.notifications.service import notify

S = MeetingRequestStatus
A = MeetingRequestAction
TRANSITIONS: dict[tuple[MeetingRequestStatus, MeetingRequestAction], MeetingRequestStatus] = {
    (S.PENDING, A.ACCEPT): S.ACCEPTED,
    (S.PENDING, A.DECLINE): S.DECLINED,
    (S.PENDING, A.WITHDRAW): S.WITHDRAWN,
    # A withdrawn request may be sent again (the same row: one per ordered pair).
    (S.WITHDRAWN, A.RESEND): S.PENDING,
}
VERBS = {A.ACCEPT: "接受", A.DECLINE: "婉拒", A.WITHDRAW: "撤回", A.RESEND: "重新发起"}
MACHINE = StateMachine(MeetingRequest, TRANSITIONS, noun="约见请求", verbs=VERBS)
# Requests can be sent and answered while registration is open or closed, not once held.
ACTIVE = (EventStatus.OPEN, EventStatus.CLOSED)
# Why the platform closed a request when its receiver cancelled the registration.
CANCELLED_REASON = "对方已取消报名"


class MeetingRequestSend(TextInput):
    to_id: DbId = Field(description="约见对象（参会方编号）")
    message: str = Field(default="", max_length=200, description="留言")


class MeetingRequestAnswer(TextInput):
    accept: bool = Field(description="是否接受")
    reason: str = Field(default="", max_length=200, description="婉拒原因")


def _link(event_id: int) -> str:
    return f"/events/{event_id}/participants#requests"


def _active_event(session: Session, p: Principal, event_id: int) -> Event:
    event = get_visible(session, p, event_id)
    if event.status not in ACTIVE:
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能再发起或答复约见")
    return event


def _me(session: Session, p: Principal, event: Event) -> Registration:
    reg = my_registration(session, p, event.id)
    if reg is None or reg.status is not RegistrationStatus.REGISTERED:
        raise Forbidden("请先报名本活动，再发起或答复约见")
    return reg


def _between(session: Session, from_id: int, to_id: int) -> MeetingRequest | None:
    stmt = select(MeetingRequest).where(
        MeetingRequest.from_id == from_id, MeetingRequest.to_id == to_id
    )
    return session.scalars(stmt).first()


def send(session: Session, p: Principal, event_id: int, data: MeetingRequestSend) -> MeetingRequest:
    """Ask another registered participant of the same event for a meeting."""
    event = _active_event(session, p, event_id)
    me = _me(session, p, event)
    other = session.get(Registration, data.to_id)
    if (
        other is None
        or other.event_id != event.id
        or other.status is not RegistrationStatus.REGISTERED
    ):
        raise NotFound("该参会方不存在或已取消报名")
    if other.id == me.id or (me.org_id is not None and other.org_id == me.org_id):
        raise InvalidInput("不能向本单位发起约见", field="to_id")
    message = data.message.strip()
    # Two requests of one pair sent at once: the event row serialises them (PostgreSQL).
    repository.lock(session, event.id)
    theirs = _between(session, other.id, me.id)
    if theirs is not None and theirs.status is S.PENDING:
        raise Conflict("对方已向您发起约见，请直接答复")
    if theirs is not None and theirs.status is S.ACCEPTED:
        raise Conflict(f"您已接受“{other.name}”的约见，无需再发起")
    if theirs is not None and theirs.status is S.DECLINED:
        raise Conflict(f"您已婉拒“{other.name}”的约见请求，不能再向对方发起约见")
    row = _between(session, me.id, other.id)
    if row is not None:
        if row.status is not S.WITHDRAWN:
            raise Conflict(f"您已向“{other.name}”发起过约见（{row.status.label}）")
        MACHINE.move(
            session,
            row,
            A.RESEND,
            actor_user_id=p.user_id,
            values={"message": message, "reason": "", "answered_at": None},
        )
        session.refresh(row)
    else:
        row = MeetingRequest(event_id=event.id, from_id=me.id, to_id=other.id, message=message)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise Conflict(f"您已向“{other.name}”发起过约见，请刷新页面") from None
    notify(
        session,
        users_of(session, other),
        NotificationKind.MEETING_REQUESTED,
        {"name": me.name, "title": event.title, "message": message},
        subject=("event", event.id),
        link=_link(event.id),
        skip=p.user_id,
    )
    return row


def _mine(
    session: Session,
    event: Event,
    request_id: int,
    *,
    to: Registration | None = None,
    sender: Registration | None = None,
) -> MeetingRequest:
    row = session.get(MeetingRequest, request_id)
    # Another event's request, or one not addressed to (or sent by) me: not found, so
    # that ids reveal nothing.
    if (
        row is None
        or row.event_id != event.id
        or (to is not None and row.to_id != to.id)
        or (sender is not None and row.from_id != sender.id)
    ):
        raise NotFound("该约见请求不存在")
    return row


def answer(
    session: Session, p: Principal, event_id: int, request_id: int, data: MeetingRequestAnswer
) -> MeetingRequest:
    """Accept or decline a request I received (once: a second answer gets a 409)."""
    event = _active_event(session, p, event_id)
    me = _me(session, p, event)
    row = _mine(session, event, request_id, to=me)
    action = A.ACCEPT if data.accept else A.DECLINE
    reason = "" if data.accept else data.reason.strip()
    MACHINE.move(
        session,
        row,
        action,
        actor_user_id=p.user_id,
        values={"answered_at": utcnow(), "reason": reason},
    )
    session.refresh(row)
    sender = session.get(Registration, row.from_id)
    if sender is not None:
        notify(
            session,
            users_of(session, sender),
            NotificationKind.MEETING_REQUEST_ANSWERED,
            {"name": me.name, "title": event.title, "accepted": data.accept, "reason": reason},
            subject=("event", event.id),
            link=_link(event.id),
            skip=p.user_id,
        )
    return row


def withdraw(session: Session, p: Principal, event_id: int, request_id: int) -> MeetingRequest:
    """Withdraw a request I sent, while it waits for an answer."""
    event = _active_event(session, p, event_id)
    me = _me(session, p, event)
    row = _mine(session, event, request_id, sender=me)
    MACHINE.move(session, row, A.WITHDRAW, actor_user_id=p.user_id)
    session.refresh(row)
    receiver = session.get(Registration, row.to_id)
    if receiver is not None:
        notify(
            session,
            users_of(session, receiver),
            NotificationKind.MEETING_REQUEST_WITHDRAWN,
            {"name": me.name, "title": event.title},
            subject=("event", event.id),
            link=_link(event.id),
            skip=p.user_id,
        )
    return row


# -- reading ----------------------------------------------------------------------------------
@dataclass
class RequestRow:
    """A request as my list shows it: who is on the other side, and what I may do."""

    request: MeetingRequest
    other: Registration


@dataclass
class Mine:
    received: list[RequestRow]
    sent: list[RequestRow]
    open: bool  # whether requests may still be sent and answered

    def with_(self, reg_id: int) -> MeetingRequest | None:
        """The live request between me and this participant (either way), if any."""
        for row in (*self.sent, *self.received):
            if row.other.id == reg_id and row.request.status is not S.WITHDRAWN:
                return row.request
        return None


def mine(session: Session, p: Principal, event_id: int) -> Mine:
    """The requests I received and sent for this event, newest first."""
    event = get_visible(session, p, event_id)
    me = _me(session, p, event)
    stmt = (
        select(MeetingRequest)
        .where(
            MeetingRequest.event_id == event.id,
            or_(MeetingRequest.from_id == me.id, MeetingRequest.to_id == me.id),
        )
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
    )
    rows = list(session.scalars(stmt))
    regs = {r.id: r for r in repository.registrations(session, event.id)}
    out = Mine(received=[], sent=[], open=event.status in ACTIVE)
    for row in rows:
        if row.to_id == me.id:
            out.received.append(RequestRow(row, regs[row.from_id]))
        else:
            out.sent.append(RequestRow(row, regs[row.to_id]))
    return out


def counts(session: Session, event_id: int) -> dict[int, tuple[int, int]]:
    """(sent, received) requests per registration, withdrawn ones left out (staff list)."""
    stmt = select(MeetingRequest.from_id, MeetingRequest.to_id).where(
        MeetingRequest.event_id == event_id, MeetingRequest.status != S.WITHDRAWN
    )
    sent: Counter[int] = Counter()
    received: Counter[int] = Counter()
    for row in session.execute(stmt):
        sent[row.from_id] += 1
        received[row.to_id] += 1
    return {reg_id: (sent[reg_id], received[reg_id]) for reg_id in {*sent, *received}}


def close_for(session: Session, reg: Registration) -> None:
    """A cancelled registration: its pending requests are withdrawn (sent) or declined
    (received), so that nobody waits for an answer that cannot come."""
    now = utcnow()
    pending = MeetingRequest.status == S.PENDING
    session.execute(
        update(MeetingRequest)
        .where(MeetingRequest.from_id == reg.id, pending)
        .values(status=S.WITHDRAWN, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(MeetingRequest)
        .where(MeetingRequest.to_id == reg.id, pending)
        .values(status=S.DECLINED, answered_at=now, reason=CANCELLED_REASON, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


# -- the scheduler's input ------------------------------------------------------------------
@dataclass
class Candidates:
    """What the requests say about pairs: (requested, mutual) for accepted and pending
    ones, the pairs to exclude, and a reason per pair for the draft and the agenda."""

    accepted: set[frozenset[int]]
    pending: set[frozenset[int]]
    declined: set[frozenset[int]]
    reasons: dict[frozenset[int], str]


def candidates(session: Session, event_id: int, registered: Iterable[int]) -> Candidates:
    """The pairs the requests between these registered participants make or exclude."""
    ids = set(registered)
    out = Candidates(accepted=set(), pending=set(), declined=set(), reasons={})
    stmt = select(MeetingRequest).where(
        MeetingRequest.event_id == event_id, MeetingRequest.status != S.WITHDRAWN
    )
    names = {r.id: r.name for r in repository.registrations(session, event_id)}
    for row in session.scalars(stmt):
        if row.from_id not in ids or row.to_id not in ids:
            continue
        pair = frozenset((row.from_id, row.to_id))
        if row.status is S.DECLINED:
            out.declined.add(pair)
        elif row.status is S.ACCEPTED:
            out.accepted.add(pair)
            out.reasons[pair] = f"{names[row.to_id]}接受了{names[row.from_id]}的约见请求"
        else:
            out.pending.add(pair)
            out.reasons.setdefault(pair, f"{names[row.from_id]}发起了约见请求")
    out.pending -= out.accepted | out.declined
    out.accepted -= out.declined
    return out
