"""What every page shares: the one Jinja environment, its filters, and the page context.

Pages get a ``Ui`` dependency: the session, who is asking, and ``render``/``redirect``
that add the layout's context (the user, the menu the permission layer offers them,
the CSRF token, unread notifications, flash messages). Templates do no I/O: everything
they show is computed here or in the route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.enums import (
    CooperationMode,
    DockingStatus,
    FeedbackReason,
    IndustryField,
    Maturity,
    NeedStatus,
    OrgKind,
    OrgStatus,
    Role,
)
from matchmaking.matching import relevance
from matchmaking.notifications import service as notifications
from web.deps import PrincipalDep, SessionDep, csrf_token

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _label(enum: Any, code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(enum(code).label)
    except ValueError:
        return str(code)


def _money(value: Decimal | float | None) -> str:
    if value is None:
        return "面议"
    return f"{value:,.2f}".rstrip("0").rstrip(".") + " 万元"


def _wan(value: Decimal | float | None) -> str:
    """An amount in 万元 without the unit (the column says it): 1,234.5."""
    if value is None:
        return ""
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Stored in UTC, shown in the district's time (matchmaking/clock.py).
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape ``text`` and wrap every occurrence of the shared key terms in <mark>."""
    out = str(escape(text))
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        safe = str(escape(term))
        out = out.replace(safe, f"\x00{safe}\x01")
    return Markup(out.replace("\x00", "<mark>").replace("\x01", "</mark>"))


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
env.filters.update(
    field_label=lambda c: _label(IndustryField, c),
    mode_label=lambda c: _label(CooperationMode, c),
    maturity_label=lambda c: _label(Maturity, c),
    need_status_label=lambda c: _label(NeedStatus, c),
    org_kind_label=lambda c: _label(OrgKind, c),
    org_status_label=lambda c: _label(OrgStatus, c),
    role_label=lambda c: _label(Role, c),
    docking_status_label=lambda c: _label(DockingStatus, c),
    feedback_label=lambda c: _label(FeedbackReason, c),
    money=_money,
    wan=_wan,
    day=_date,
    highlight=highlight,
    # A calibrated 0–1 relevance as the one way it is shown: "62%".
    pct=relevance.percent,
    urlquote=lambda s: quote(str(s), safe=""),
)
env.globals.update(
    INDUSTRY_FIELDS=list(IndustryField),
    COOPERATION_MODES=list(CooperationMode),
    MATURITIES=list(Maturity),
    NEED_STATUSES=list(NeedStatus),
    FEEDBACK_REASONS=list(FeedbackReason),
    DOCKING_STATUSES=list(DockingStatus),
)
templates = Jinja2Templates(env=env)


def flash(request: Request, message: str, level: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session.setdefault("flash", []).append([level, message])


class PageContext:
    def __init__(self, request: Request, session: Session, principal: Principal) -> None:
        self.request, self.session, self.principal = request, session, principal

    def render(
        self, name: str, context: dict[str, Any] | None = None, status_code: int = 200
    ) -> HTMLResponse:
        return render_page(self.request, name, context or {}, status_code, self)

    def unread(self) -> int:
        """Unread notifications for the header: read with the session's user (see
        ``web.deps``), else (an API token on a page) counted here."""
        count = getattr(self.request.state, "unread", None)
        if count is None:
            assert self.principal.user_id is not None
            count = notifications.unread_count(self.session, self.principal.user_id)
            self.request.state.unread = count
        return int(count)

    def notifications_read(self, count: int) -> None:
        """This request marked ``count`` notifications read: the header shows it at once."""
        self.request.state.unread = max(0, self.unread() - count)

    def redirect(self, url: str, message: str | None = None, level: str = "ok") -> RedirectResponse:
        if message:
            flash(self.request, message, level)
        return RedirectResponse(url, status_code=303)


@dataclass(frozen=True)
class MenuItem:
    """A link of the main menu, or a named group of links (a drop-down)."""

    label: str
    href: str = ""
    children: tuple[tuple[str, str], ...] = ()


# Staff see sixteen pages: grouped by the work they belong to, they fit one line on a
# desktop and a few on a phone. A page not listed here stays a link of its own.
MENU_GROUPS = {
    "/staff/needs": "信息管理",
    "/staff/achievements": "信息管理",
    "/staff/organizations": "信息管理",
    "/transfer": "信息管理",
    "/staff/board": "对接服务",
    "/staff/deliveries": "对接服务",
    "/dockings": "对接服务",
    "/events": "对接服务",
    "/visits": "对接服务",
    "/agreements": "成果转化",
    "/contracts": "成果转化",
    "/dashboard": "考核通报",
    "/reports": "考核通报",
    "/contest": "考核通报",
    "/admin/towns": "系统管理",
    "/admin/audit": "系统管理",
}
# The groups in the order of the work: records, matchmaking, outcomes, the bureau's
# figures, administration.
GROUP_ORDER = ("信息管理", "对接服务", "成果转化", "考核通报", "系统管理")
# Menus this short stay flat (companies: 9 entries, universities: 10, experts).
FLAT_MENU = 10


def menu_items(entries: list[tuple[str, str]]) -> list[MenuItem]:
    """The menu as shown: flat when short, else the ungrouped links, then the groups."""
    if len(entries) <= FLAT_MENU:
        return [MenuItem(label, href) for href, label in entries]
    groups: dict[str, list[tuple[str, str]]] = {}
    items: list[MenuItem] = []
    for href, label in entries:
        group = MENU_GROUPS.get(href)
        if group is None:
            items.append(MenuItem(label, href))
        else:
            groups.setdefault(group, []).append((href, label))
    for group in GROUP_ORDER:
        links = groups.get(group, [])
        if len(links) == 1:
            items.append(MenuItem(links[0][1], links[0][0]))
        elif links:
            items.append(MenuItem(group, children=tuple(links)))
    return items


def render_page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    ui: PageContext | None = None,
) -> HTMLResponse:
    """Render with the layout's context; ``ui`` is None on error pages."""
    me = ui.principal if ui is not None else getattr(request.state, "principal", None)
    unread = 0
    if ui is not None and me is not None and me.is_authenticated:
        unread = ui.unread()
    base = {
        "me": me or Principal(),
        "menu": menu_items(permissions.menu(me or Principal())),
        "csrf_token": csrf_token(request),
        "unread": unread,
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def page_context(request: Request, session: SessionDep, principal: PrincipalDep) -> PageContext:
    request.state.principal = principal
    return PageContext(request, session, principal)


Ui = Annotated[PageContext, Depends(page_context)]


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"
