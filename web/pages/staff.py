"""Staff pages: needs, achievements and organizations in scope, and the docking board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import require_staff
from matchmaking.docking import service as docking
from matchmaking.docking import staff
from matchmaking.enums import IndustryField, ItemStatus, Kind, NeedStatus, OrgStatus
from matchmaking.exceptions import Conflict, InvalidInput
from web.pages.common import Ui
from web.pages.forms import ListFilters, listing

router = APIRouter(prefix="/staff")
PAGE_SIZE = 20


class TownFilter(ListFilters):
    town: str | None = Field(default=None, max_length=100)


class ItemFilters(TownFilter):
    industry_field: IndustryField | None = None
    q: str | None = Field(default=None, max_length=100)


class NeedFilters(ItemFilters):
    status: NeedStatus | None = None


class AchievementFilters(ItemFilters):
    status: ItemStatus | None = None


class OrgFilters(TownFilter):
    status: OrgStatus | None = None


class BoardFilters(TownFilter):
    industry_field: IndustryField | None = None


ITEM_PAGES = {
    Kind.NEEDS: ("技术需求管理", list(NeedStatus)),
    Kind.ACHIEVEMENTS: ("科技成果管理", list(ItemStatus)),
}


def _scope(ui: Ui) -> dict[str, Any]:
    """The town menu: every town, or the staff member's own town only."""
    return {
        "towns": staff.towns(ui.session),
        "scope_town": ui.principal.scope.town,
    }


def _items_page(ui: Ui, kind: Kind, f: NeedFilters | AchievementFilters) -> HTMLResponse:
    require_staff(ui.principal)
    title, statuses = ITEM_PAGES[kind]
    chosen = f.chosen()
    filters = staff.StaffFilters(
        industry_field=chosen["industry_field"] or None,
        town=f.town,
        status=chosen["status"] or None,
        keyword=f.q,
    )
    found = staff.items(ui.session, ui.principal, kind, filters, page=f.page, page_size=PAGE_SIZE)
    context = {"kind": kind.value, "title": title, "statuses": statuses, "f": chosen}
    return ui.render("staff/items.html", {**context, **listing(found, f), **_scope(ui)})


@router.get("/needs", response_class=HTMLResponse)
def staff_needs(ui: Ui, f: Annotated[NeedFilters, Query()]) -> HTMLResponse:
    """Every need in my scope, all statuses, with filters."""
    return _items_page(ui, Kind.NEEDS, f)


@router.get("/achievements", response_class=HTMLResponse)
def staff_achievements(ui: Ui, f: Annotated[AchievementFilters, Query()]) -> HTMLResponse:
    """Every achievement in my scope, all statuses, with filters."""
    return _items_page(ui, Kind.ACHIEVEMENTS, f)


@router.get("/organizations", response_class=HTMLResponse)
def staff_organizations(ui: Ui, f: Annotated[OrgFilters, Query()]) -> HTMLResponse:
    """Organizations in my scope, those awaiting review first, with approve / reject."""
    require_staff(ui.principal)
    chosen = f.chosen()
    found = staff.organizations(
        ui.session,
        ui.principal,
        status=chosen["status"] or None,
        town=f.town,
        page=f.page,
        page_size=PAGE_SIZE,
    )
    context = {"status": chosen["status"], "statuses": list(OrgStatus), "town": chosen["town"]}
    return ui.render("staff/organizations.html", {**context, **listing(found, f), **_scope(ui)})


@router.post("/organizations/{org_id}/approve")
def approve(ui: Ui, org_id: int) -> RedirectResponse:
    """Approve a registered organization: its items become public."""
    try:
        org = accounts.approve_org(ui.session, ui.principal, org_id)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect("/staff/organizations", exc.message, "error")
    return ui.redirect("/staff/organizations", f"已通过“{org.name}”的审核，其发布的内容现已公开")


@router.post("/organizations/{org_id}/reject")
def reject(
    ui: Ui, org_id: int, reason: Annotated[str, Form(max_length=500)] = ""
) -> RedirectResponse:
    """Reject a registered organization with a reason (the organization is told why)."""
    try:
        org = accounts.reject_org(ui.session, ui.principal, org_id, reason)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        return ui.redirect("/staff/organizations", exc.message, "error")
    return ui.redirect("/staff/organizations", f"已驳回“{org.name}”的注册申请，并通知了该单位")


@router.get("/board", response_class=HTMLResponse)
def board(ui: Ui, f: Annotated[BoardFilters, Query()]) -> HTMLResponse:
    """The docking board: one column per status, with who did what last and when."""
    require_staff(ui.principal)
    chosen = f.chosen()
    field = chosen["industry_field"] or None
    result = docking.board(ui.session, ui.principal, town=f.town, industry_field=field)
    context = {"board": result, "town": chosen["town"], "industry_field": chosen["industry_field"]}
    return ui.render("staff/board.html", {**context, **_scope(ui)})
