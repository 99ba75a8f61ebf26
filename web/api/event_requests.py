"""JSON API: meeting requests (约见请求) between the participants of an event."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session

from matchmaking.events import requests as meeting_requests
from matchmaking.events.requests import MeetingRequestAnswer, MeetingRequestSend
from matchmaking.models import MeetingRequest, Registration
from web.deps import PrincipalDep, SessionDep
from web.params import Id

router = APIRouter(prefix="/events", tags=["events 对接活动"])


class MeetingRequestRead(BaseModel):
    id: int
    event_id: int
    from_id: int
    from_name: str
    to_id: int
    to_name: str
    message: str
    status: str
    status_label: str
    reason: str
    answered_at: datetime | None
    created_at: datetime


class MyMeetingRequests(BaseModel):
    received: list[MeetingRequestRead]
    sent: list[MeetingRequestRead]


def _read(session: Session, row: MeetingRequest) -> MeetingRequestRead:
    sender = session.get(Registration, row.from_id)
    receiver = session.get(Registration, row.to_id)
    return MeetingRequestRead(
        id=row.id,
        event_id=row.event_id,
        from_id=row.from_id,
        from_name=sender.name if sender else "",
        to_id=row.to_id,
        to_name=receiver.name if receiver else "",
        message=row.message,
        status=row.status.value,
        status_label=row.status.label,
        reason=row.reason,
        answered_at=row.answered_at,
        created_at=row.created_at,
    )


@router.get("/{event_id}/requests", response_model=MyMeetingRequests)
def my_requests(session: SessionDep, principal: PrincipalDep, event_id: Id) -> MyMeetingRequests:
    """The meeting requests I received and sent for this event, newest first."""
    found = meeting_requests.mine(session, principal, event_id)
    return MyMeetingRequests(
        received=[_read(session, x.request) for x in found.received],
        sent=[_read(session, x.request) for x in found.sent],
    )


@router.post("/{event_id}/requests", response_model=MeetingRequestRead, status_code=201)
def send_request(
    session: SessionDep, principal: PrincipalDep, event_id: Id, data: MeetingRequestSend
) -> MeetingRequestRead:
    """Ask another registered participant of this event for a meeting."""
    return _read(session, meeting_requests.send(session, principal, event_id, data))


@router.post("/{event_id}/requests/{request_id}/answer", response_model=MeetingRequestRead)
def answer_request(
    session: SessionDep,
    principal: PrincipalDep,
    event_id: Id,
    request_id: Id,
    data: MeetingRequestAnswer,
) -> MeetingRequestRead:
    """Accept or decline a meeting request I received (a second answer gets 409)."""
    row = meeting_requests.answer(session, principal, event_id, request_id, data)
    return _read(session, row)


@router.post("/{event_id}/requests/{request_id}/withdraw", response_model=MeetingRequestRead)
def withdraw_request(
    session: SessionDep, principal: PrincipalDep, event_id: Id, request_id: Id
) -> MeetingRequestRead:
    """Withdraw a meeting request I sent, while it waits for an answer."""
    return _read(session, meeting_requests.withdraw(session, principal, event_id, request_id))
