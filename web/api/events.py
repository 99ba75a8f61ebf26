"""JSON API: matchmaking events (产学研对接会), registration and my agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import EventStatus
from matchmaking.events import agenda, repository
from matchmaking.events import service as events
from matchmaking.events.schemas import EventCreate, EventRead, RegistrationInput, SlotRead
from web.deps import Page as PageQ
from web.deps import PageSize, PrincipalDep, SessionDep
from web.params import Id

router = APIRouter(prefix="/events", tags=["events 对接活动"])


class EventDetail(EventRead):
    slots: list[SlotRead]
    registered: int


class RegistrationRead(BaseModel):
    id: int
    event_id: int
    name: str
    status: str
    need_ids: list[int]
    achievement_ids: list[int]
    unavailable_slot_ids: list[int]
    min_meetings: int
    max_meetings: int


class AgendaRow(BaseModel):
    meeting_id: int
    starts_at: datetime
    minutes: int
    table: int
    with_name: str
    reason: str


def _detail(session: Any, event: Any) -> EventDetail:
    return EventDetail(
        **EventRead.model_validate(event).model_dump(),
        slots=[SlotRead.model_validate(s) for s in repository.slots(session, event.id)],
        registered=repository.count_registered(session, event.id),
    )


@router.get("", response_model=Page[EventRead])
def list_events(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[EventStatus | None, Query(description="活动状态")] = None,
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[EventRead]:
    """Events: staff every one in their scope, others the open and past ones."""
    found = events.list_events(session, principal, status=status, page=page, size=page_size)
    return make_page(found.map(lambda rows: [EventRead.model_validate(r) for r in rows]))


@router.post("", response_model=EventDetail, status_code=201)
def create_event(session: SessionDep, principal: PrincipalDep, data: EventCreate) -> EventDetail:
    """Create an event (a draft) in my scope (staff)."""
    event = events.create(session, principal, data)
    return _detail(session, event)


@router.get("/{event_id}", response_model=EventDetail)
def get_event(session: SessionDep, principal: PrincipalDep, event_id: Id) -> EventDetail:
    """One event with its slots."""
    return _detail(session, events.get_visible(session, principal, event_id))


@router.post("/{event_id}/registration", response_model=RegistrationRead)
def register(
    session: SessionDep, principal: PrincipalDep, event_id: Id, data: RegistrationInput
) -> RegistrationRead:
    """Register for an event (or accept the invitation, or change what I bring)."""
    reg = events.register(session, principal, event_id, data)
    return RegistrationRead(
        id=reg.id,
        event_id=reg.event_id,
        name=reg.name,
        status=reg.status.value,
        need_ids=reg.need_ids,
        achievement_ids=reg.achievement_ids,
        unavailable_slot_ids=reg.unavailable_slot_ids,
        min_meetings=reg.min_meetings,
        max_meetings=reg.max_meetings,
    )


@router.get("/{event_id}/agenda", response_model=list[AgendaRow])
def my_agenda(session: SessionDep, principal: PrincipalDep, event_id: Id) -> list[AgendaRow]:
    """My meetings in the published schedule."""
    _event, _reg, items = agenda.agenda(session, principal, event_id)
    return [
        AgendaRow(
            meeting_id=i.meeting_id,
            starts_at=i.starts_at,
            minutes=i.minutes,
            table=i.table,
            with_name=i.other.name,
            reason=i.reason,
        )
        for i in items
    ]
