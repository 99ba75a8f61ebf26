"""Staff pages: needs, achievements and organizations in scope, and the docking board."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import require_staff
from matchmaking.docking import service as docking
from matchmaking.docking import staff
from matchmaking.enums import IndustryField, ItemStatus, Kind, NeedStatus, OrgStatus
from matchmaking.exceptions import Conflict, InvalidInput
from web.pages.common import Ui

router = APIRouter(prefix="/staff")
PAGE_SIZE = 20
ITEM_PAGES = {
    Kind.NEEDS: ("技术需求管理", list(NeedStatus)),
    Kind.ACHIEVEMENTS: ("科技成果管理", list(ItemStatus)),
}


def _query(**params: str | None) -> str:
    """The other query parameters for the pager, encoded and ending with "&"."""
    kept = {k: v for k, v in params.items() if v}
    return urlencode(kept) + "&" if kept else ""


def _items_page(
    ui: Ui,
    kind: Kind,
    industry_field: IndustryField | None,
    town: str | None,
    status: str | None,
    q: str | None,
    page: int,
) -> HTMLResponse:
    require_staff(ui.principal)
    title, statuses = ITEM_PAGES[kind]
    filters = staff.StaffFilters(
        industry_field=industry_field.value if industry_field else None,
        town=town or None,
        status=status or None,
        keyword=q or None,
    )
    rows, total = staff.items(
        ui.session, ui.principal, kind, filters, page=page, page_size=PAGE_SIZE
    )
    return ui.render(
        "staff/items.html",
        {
            "kind": kind.value,
            "title": title,
            "statuses": statuses,
            "rows": rows,
            "total": total,
            "towns": staff.towns(ui.session),
            "scope_town": ui.principal.scope.town,
            "f": {
                "industry_field": filters.industry_field or "",
                "town": town or "",
                "status": status or "",
                "q": q or "",
            },
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "query": _query(industry_field=filters.industry_field, town=town, status=status, q=q),
        },
    )


Field = Annotated[IndustryField | None, Query()]
Text = Annotated[str | None, Query(max_length=100)]
PageNo = Annotated[int, Query(ge=1)]


@router.get("/needs", response_class=HTMLResponse)
def staff_needs(
    ui: Ui,
    industry_field: Field = None,
    town: Text = None,
    status: Annotated[NeedStatus | None, Query()] = None,
    q: Text = None,
    page: PageNo = 1,
) -> HTMLResponse:
    """Every need in my scope, all statuses, with filters."""
    code = status.value if status else None
    return _items_page(ui, Kind.NEEDS, industry_field, town, code, q, page)


@router.get("/achievements", response_class=HTMLResponse)
def staff_achievements(
    ui: Ui,
    industry_field: Field = None,
    town: Text = None,
    status: Annotated[ItemStatus | None, Query()] = None,
    q: Text = None,
    page: PageNo = 1,
) -> HTMLResponse:
    """Every achievement in my scope, all statuses, with filters."""
    code = status.value if status else None
    return _items_page(ui, Kind.ACHIEVEMENTS, industry_field, town, code, q, page)


@router.get("/organizations", response_class=HTMLResponse)
def staff_organizations(
    ui: Ui,
    status: Annotated[OrgStatus | None, Query()] = None,
    town: Text = None,
    page: PageNo = 1,
) -> HTMLResponse:
    """Organizations in my scope, those awaiting review first, with approve / reject."""
    require_staff(ui.principal)
    rows, total = staff.organizations(
        ui.session,
        ui.principal,
        status=status.value if status else None,
        town=town,
        page=page,
        page_size=PAGE_SIZE,
    )
    return ui.render(
        "staff/organizations.html",
        {
            "rows": rows,
            "total": total,
            "status": status.value if status else "",
            "statuses": list(OrgStatus),
            "town": town or "",
            "towns": staff.towns(ui.session),
            "scope_town": ui.principal.scope.town,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "query": _query(status=status.value if status else None, town=town),
        },
    )


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
def board(ui: Ui, town: Text = None, industry_field: Field = None) -> HTMLResponse:
    """The docking board: one column per status, with who did what last and when."""
    require_staff(ui.principal)
    field = industry_field.value if industry_field else None
    result = docking.board(ui.session, ui.principal, town=town, industry_field=field)
    return ui.render(
        "staff/board.html",
        {
            "board": result,
            "town": town or "",
            "industry_field": field or "",
            "towns": staff.towns(ui.session),
            "scope_town": ui.principal.scope.town,
        },
    )
