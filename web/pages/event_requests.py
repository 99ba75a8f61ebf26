"""Event pages for meeting requests (约见请求: send, accept or decline, withdraw) and the
subscribable agenda feed (a calendar app reads it without logging in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from matchmaking.accounts.permissions import require_login
from matchmaking.events import feed
from matchmaking.events import requests as meeting_requests
from matchmaking.events.requests import MeetingRequestAnswer, MeetingRequestSend
from matchmaking.exceptions import Conflict, InvalidInput
from web.deps import SessionDep
from web.downloads import ICS
from web.pages.common import Ui
from web.pages.forms import read_form

router = APIRouter(prefix="/events")


def _back(event_id: int) -> str:
    return f"/events/{event_id}/participants#requests"


@router.post("/{event_id}/requests", response_model=None)
async def send_request(request: Request, ui: Ui, event_id: int) -> RedirectResponse:
    """Send a meeting request to another participant (with an optional message)."""
    require_login(ui.principal)
    form = await read_form(request, MeetingRequestSend)
    if form.data is None or not form.ok:
        message = "；".join(form.errors.values())
        return ui.redirect(_back(event_id), f"约见未发出：{message}", "error")
    try:
        meeting_requests.send(ui.session, ui.principal, event_id, form.data)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        return ui.redirect(_back(event_id), f"约见未发出：{exc.message}", "error")
    return ui.redirect(_back(event_id), "约见请求已发出，请等待对方答复")


@router.post("/{event_id}/requests/{request_id}/answer", response_model=None)
async def answer_request(
    request: Request, ui: Ui, event_id: int, request_id: int
) -> RedirectResponse:
    """Accept or decline a meeting request I received."""
    require_login(ui.principal)
    form = await read_form(request, MeetingRequestAnswer)
    if form.data is None or not form.ok:
        message = "；".join(form.errors.values())
        return ui.redirect(_back(event_id), f"未能答复：{message}", "error")
    try:
        row = meeting_requests.answer(ui.session, ui.principal, event_id, request_id, form.data)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        return ui.redirect(_back(event_id), f"未能答复：{exc.message}", "error")
    return ui.redirect(_back(event_id), f"{row.status.label}该约见请求")


@router.post("/{event_id}/requests/{request_id}/withdraw")
def withdraw_request(ui: Ui, event_id: int, request_id: int) -> RedirectResponse:
    """Withdraw a meeting request I sent, while it waits for an answer."""
    try:
        meeting_requests.withdraw(ui.session, ui.principal, event_id, request_id)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(_back(event_id), f"未能撤回：{exc.message}", "error")
    return ui.redirect(_back(event_id), "约见请求已撤回")


@router.get("/{event_id}/agenda/feed/{token}.ics")
def agenda_feed(
    session: SessionDep, event_id: int, token: Annotated[str, Path(max_length=500)]
) -> Response:
    """My agenda as a subscribed calendar: no login, the token in the URL is the key."""
    data = feed.calendar(session, event_id, token)
    # Calendar apps poll the feed: nobody on the way keeps a copy of a private agenda.
    headers = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}
    return Response(data, media_type=ICS, headers=headers)
