"""Outbound message pages: my message preferences, one-click unsubscribe (no login),
signed click-through links, the staff's delivery log and message previews."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from matchmaking.accounts.permissions import require_login, require_staff
from matchmaking.exceptions import NotFound
from matchmaking.models import User
from matchmaking.outbound import digest, render, service, tokens
from matchmaking.outbound.kinds import CHOICES, Category, Channel, DeliveryStatus, Frequency
from web.deps import IndexDep, Writes
from web.pages.common import Ui
from web.pages.forms import ListFilters

router = APIRouter()
PAGE_SIZE = 20
BAD_LINK = "链接无效或已过期：请从最新的邮件中点击，或登录后在“消息设置”中修改"


@router.get("/notifications/preferences", response_class=HTMLResponse)
def preferences_page(ui: Ui) -> HTMLResponse:
    """How often I hear of each kind of message, by email."""
    require_login(ui.principal)
    assert ui.principal.user_id is not None
    chosen = service.preferences(ui.session, ui.principal.user_id)
    rows = [(c, CHOICES[c], chosen[c]) for c in Category]
    return ui.render("notifications/preferences.html", {"rows": rows})


@router.post("/notifications/preferences")
async def preferences_save(request: Request, ui: Ui) -> RedirectResponse:
    require_login(ui.principal)
    assert ui.principal.user_id is not None
    form = await request.form()
    choices: dict[Category, Frequency] = {}
    for category in Category:
        raw = form.get(category.value)
        if not isinstance(raw, str) or not raw:
            continue
        try:
            frequency = Frequency(raw)
        except ValueError:
            return ui.redirect("/notifications/preferences", "所选的接收方式无效", "error")
        if frequency not in CHOICES[category]:
            return ui.redirect("/notifications/preferences", "所选的接收方式无效", "error")
        choices[category] = frequency
    service.set_preferences(ui.session, ui.principal.user_id, choices)
    return ui.redirect("/notifications/preferences", "消息设置已保存")


@router.get("/notifications/digest", response_class=HTMLResponse)
def digest_preview(ui: Ui, manager: IndexDep) -> HTMLResponse:
    """This week's 科技成果直通车 so far, as the email will show it."""
    require_login(ui.principal)
    assert ui.principal.user_id is not None
    user = ui.session.get(User, ui.principal.user_id)
    assert user is not None
    week = digest.Week.current()
    content = digest.build(ui.session, manager, user, week)
    context: dict[str, object] = {"week": week, "content": content}
    if content is not None:
        context["text"] = render.render_parts(content, user_id=user.id)[0]
    return ui.render("notifications/digest.html", context)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, dependencies=[Writes])
def unsubscribe(ui: Ui, token: str) -> HTMLResponse:
    """One click in an email stops that kind of message; no login needed."""
    found = tokens.read_unsubscribe(token)
    if found is None:
        raise NotFound(BAD_LINK)
    user_id, category = found
    if ui.session.get(User, user_id) is None:
        raise NotFound(BAD_LINK)
    service.set_preferences(ui.session, user_id, {category: Frequency.OFF})
    return ui.render("notifications/unsubscribed.html", {"category": category})


@router.get("/o/{token}", dependencies=[Writes])
def click(ui: Ui, token: str, to: Annotated[str, Query(max_length=300)] = "/") -> RedirectResponse:
    """A link in a message: counts the click, then goes where the link pointed."""
    delivery_id = tokens.read_click(token, to)
    if delivery_id is None:
        raise NotFound(BAD_LINK)
    service.record_click(ui.session, delivery_id)
    return RedirectResponse(to, status_code=303)


class DeliveryListFilters(ListFilters):
    status: DeliveryStatus | None = None
    channel: Channel | None = None
    category: Category | None = None
    q: str | None = Field(default=None, max_length=100)


@router.get("/staff/deliveries", response_class=HTMLResponse)
def deliveries(ui: Ui, f: Annotated[DeliveryListFilters, Query()]) -> HTMLResponse:
    """The send log: every email and robot post, its status and last failure."""
    require_staff(ui.principal)
    scope = ui.principal.scope
    rows, total, counts = service.deliveries_page(
        ui.session,
        scope.town_id,
        scope.district,
        service.DeliveryFilters(status=f.status, channel=f.channel, category=f.category, q=f.q),
        page=f.page,
        page_size=PAGE_SIZE,
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return ui.render(
        "staff/deliveries.html",
        {
            "rows": rows,
            "total": total,
            "counts": counts,
            "f": f.chosen(),
            "query": f.query(),
            "page": f.page,
            "pages": pages,
            "statuses": list(DeliveryStatus),
            "channels": list(Channel),
            "categories": list(Category),
        },
    )


@router.get("/staff/deliveries/{delivery_id}", response_class=HTMLResponse)
def delivery_preview(ui: Ui, delivery_id: int) -> HTMLResponse:
    """One message as it was (or will be) sent: the plain-text part."""
    require_staff(ui.principal)
    row = service.get_delivery(ui.session, delivery_id)
    if row is None:
        raise NotFound("没有这条发送记录")
    scope = ui.principal.scope
    if not scope.district:
        mine, _, _ = service.deliveries_page(
            ui.session, scope.town_id, False, service.DeliveryFilters(only_id=row.id)
        )
        if not mine:
            raise NotFound("没有这条发送记录")
    try:
        content = render.content_of(ui.session, row)
        text = render.render_parts(content, user_id=row.user_id)[0]
    except (render.Gone, KeyError, ValueError):
        text = "（消息内容已不存在）"
    return ui.render("staff/delivery.html", {"row": row, "text": text})
