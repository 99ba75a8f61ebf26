"""Pages: an expert's own profile, the expert page, and experts of a university."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking.accounts import permissions
from matchmaking.enums import Kind, Role
from matchmaking.exceptions import Forbidden
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.kinds import SERVICES
from matchmaking.needs.quality import Hint
from matchmaking.organizations import service as org_service
from web.deps import IndexDep
from web.pages.achievements import (
    EXPERT_FIELDS,
    Fitting,
    fitting_section,
    item_page,
    own_items_page,
    save_item,
)
from web.pages.common import Ui

router = APIRouter()
FIELDS = EXPERT_FIELDS
MULTI = ("fields",)


def _values_of(item: Any) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in FIELDS}
    values["fields"] = [f for f in item.fields.split(";") if f]
    return values


# -- my profile (expert users) ---------------------------------------------------
def _my_expert(ui: Ui) -> Any:
    p = ui.principal
    permissions.require_login(p)
    if p.expert_id is None:
        raise Forbidden("“我的专家信息”只对专家账号开放")
    return SERVICES[Kind.EXPERTS].get(ui.session, p.expert_id)


def _profile(
    ui: Ui,
    manager: IndexManager,
    item: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    fitting: Fitting | None = None,
    status_code: int = 200,
    hints: list[Hint] | None = None,
) -> HTMLResponse:
    org = item.org
    published = permissions.is_published(Kind.EXPERTS, item)
    context = {
        "hints": hints or [],
        "item": item,
        "org": org,
        "values": values,
        "errors": errors,
        "published": published,
        **fitting_section(ui, manager, Kind.EXPERTS, item, published, fitting or Fitting()),
    }
    return ui.render("experts/profile.html", context, status_code=status_code)


@router.get("/my/profile", response_model=None)
def my_profile(
    ui: Ui, manager: IndexDep, fitting: Annotated[Fitting, Query()]
) -> HTMLResponse | RedirectResponse:
    """My expert profile, and the technical needs that fit it."""
    permissions.require_login(ui.principal)
    if ui.principal.expert_id is None and ui.principal.role is Role.UNIVERSITY:
        return ui.redirect("/my/experts")
    item = _my_expert(ui)
    return _profile(ui, manager, item, _values_of(item), {}, fitting)


@router.post("/my/profile", response_model=None)
async def save_profile(
    request: Request, ui: Ui, manager: IndexDep
) -> HTMLResponse | RedirectResponse:
    """Save my expert profile (the fitting needs are recomputed from the new text)."""
    item = _my_expert(ui)
    form, saved, hints = await save_item(
        request, ui, Kind.EXPERTS, item=item, org_id=item.org_id, multi=MULTI
    )
    if saved is not None:
        return ui.redirect("/my/profile", "专家信息已保存，适合的技术需求已按新内容更新")
    item = SERVICES[Kind.EXPERTS].get(ui.session, item.id)
    status = 400 if form.errors else 200
    return _profile(ui, manager, item, form.values, form.errors, status_code=status, hints=hints)


# -- experts of my organization (university users) -----------------------------------
@router.get("/my/experts", response_model=None)
def my_experts(ui: Ui, page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse | RedirectResponse:
    """The experts of my university or institute, every status."""
    p = ui.principal
    permissions.require_login(p)
    if p.role is Role.EXPERT:
        return ui.redirect("/my/profile")
    return own_items_page(ui, Kind.EXPERTS, page, "“本单位专家”", "experts/mine.html")


def _form(
    ui: Ui,
    item: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    hints: list[Hint] | None = None,
) -> HTMLResponse:
    context = {
        "item": item,
        "values": values,
        "errors": errors,
        "hints": hints or [],
        "choose_org": False,
    }
    context["choose_org"] = ui.principal.is_staff and item is None
    return ui.render("experts/form.html", context, status_code=status_code)


def _ensure_may_create(ui: Ui) -> None:
    """Staff choose the organization in the form; university users add their own experts."""
    p = ui.principal
    permissions.require_login(p)
    if p.is_staff:
        return
    if p.org_id is None or p.role is Role.EXPERT:
        raise Forbidden(f"{p.role.label if p.role else '访客'}不能新增专家")
    permissions.ensure_can_create(p, Kind.EXPERTS, org_service.get(ui.session, p.org_id))


@router.get("/experts/new", response_class=HTMLResponse)
def new_form(ui: Ui, org_id: Annotated[int | None, Query()] = None) -> HTMLResponse:
    """The form for a new expert of my organization (staff: ``?org_id=`` fills it in)."""
    _ensure_may_create(ui)
    values: dict[str, Any] = {"fields": []}
    if org_id and ui.principal.is_staff:
        values["org_id"] = str(org_id)
    return _form(ui, None, values, {})


@router.post("/experts/new", response_model=None)
async def create(request: Request, ui: Ui) -> HTMLResponse | RedirectResponse:
    """Add an expert to my organization (staff: to the organization chosen)."""
    _ensure_may_create(ui)
    org_id = None if ui.principal.is_staff else ui.principal.org_id
    form, saved, hints = await save_item(
        request, ui, Kind.EXPERTS, item=None, org_id=org_id, multi=MULTI
    )
    if saved is not None:
        return ui.redirect(f"/experts/{saved.id}", "专家信息已保存")
    status = 400 if form.errors else 200
    return _form(ui, None, form.values, form.errors, status_code=status, hints=hints)


@router.get("/experts/{item_id}/edit", response_class=HTMLResponse)
def edit_form(ui: Ui, item_id: int) -> HTMLResponse:
    """The form for changing an expert (the expert, their organization, or staff in scope)."""
    item = SERVICES[Kind.EXPERTS].get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.EXPERTS, item)
    return _form(ui, item, _values_of(item), {})


@router.post("/experts/{item_id}/edit", response_model=None)
async def update(request: Request, ui: Ui, item_id: int) -> HTMLResponse | RedirectResponse:
    """Save changes to an expert."""
    item = SERVICES[Kind.EXPERTS].get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.EXPERTS, item)
    form, saved, hints = await save_item(
        request, ui, Kind.EXPERTS, item=item, org_id=item.org_id, multi=MULTI
    )
    if saved is not None:
        return ui.redirect(f"/experts/{item_id}", "专家信息已保存")
    status = 400 if form.errors else 200
    return _form(ui, item, form.values, form.errors, status_code=status, hints=hints)


@router.post("/experts/{item_id}/close")
def close(ui: Ui, item_id: int) -> RedirectResponse:
    """Close an expert profile: it is no longer shown or recommended."""
    SERVICES[Kind.EXPERTS].close_as(ui.session, ui.principal, item_id)
    return ui.redirect(f"/experts/{item_id}", "专家信息已关闭，不再公开展示和推荐")


@router.post("/experts/{item_id}/reopen")
def reopen(ui: Ui, item_id: int) -> RedirectResponse:
    """Publish a closed expert profile again."""
    SERVICES[Kind.EXPERTS].reopen_as(ui.session, ui.principal, item_id)
    return ui.redirect(f"/experts/{item_id}", "专家信息已重新发布")


# -- one expert ---------------------------------------------------------------------------
@router.get("/experts/{item_id}", response_class=HTMLResponse)
def detail(
    ui: Ui, manager: IndexDep, item_id: int, fitting: Annotated[Fitting, Query()]
) -> HTMLResponse:
    """An expert, their institution, and the technical needs that fit them."""
    # The expert, users of their organization, and staff in scope may act for them.
    context = item_page(ui, manager, Kind.EXPERTS, item_id, fitting)
    context["is_me"] = ui.principal.expert_id == context["item"].id
    return ui.render("experts/detail.html", context)
