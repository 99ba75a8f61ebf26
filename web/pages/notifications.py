"""The notification list with its unread count (shown in the header)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking.accounts.permissions import require_login
from matchmaking.notifications import service as notifications
from web.pages.common import Ui
from web.pages.forms import listing

router = APIRouter(prefix="/notifications")
PAGE_SIZE = 20


@router.get("", response_class=HTMLResponse)
def notification_list(ui: Ui, page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
    """My notifications, newest first."""
    require_login(ui.principal)
    assert ui.principal.user_id is not None
    found = notifications.list_page(
        ui.session, ui.principal.user_id, page=page, page_size=PAGE_SIZE
    )
    return ui.render("notifications/list.html", listing(found))


@router.post("/read")
def mark_read(ui: Ui, notification_id: Annotated[int | None, Form()] = None) -> RedirectResponse:
    """Mark one notification (or all) read; go to its link when there is one."""
    require_login(ui.principal)
    user_id = ui.principal.user_id
    assert user_id is not None
    link = ""
    if notification_id is not None:
        row = notifications.get(ui.session, user_id, notification_id)
        link = row.link if row is not None else ""
    count = notifications.mark_read(ui.session, user_id, notification_id)
    if link:
        return ui.redirect(link)
    return ui.redirect("/notifications", f"已将 {count} 条通知标为已读" if count else None)
