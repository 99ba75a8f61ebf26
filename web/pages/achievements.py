"""Pages: my achievements, the achievement form, and an achievement with the needs that fit it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from matchmaking.accounts import permissions
from matchmaking.achievements import quality as achievement_quality
from matchmaking.achievements.schemas import AchievementCreate, AchievementUpdate
from matchmaking.common.filters import ItemFilters
from matchmaking.docking import service as docking
from matchmaking.enums import IndustryField, Kind
from matchmaking.exceptions import Forbidden, MatchmakingError
from matchmaking.experts import quality as expert_quality
from matchmaking.experts.schemas import ExpertCreate, ExpertUpdate
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import Docking
from matchmaking.needs.quality import Hint
from matchmaking.organizations import service as org_service
from web.deps import IndexDep
from web.pages.common import Ui
from web.pages.forms import Submitted, listing, read_form

router = APIRouter()
PAGE_SIZE = 20
FITTING_LIMIT = 10
FITTING_MAX = 50
# Form fields of an achievement, in the order of the form.
FIELDS = (
    "title",
    "abstract",
    "keywords",
    "industry_field",
    "maturity",
    "trl",
    "patent_numbers",
    "cooperation_mode",
    "price_wan",
    "team_leader",
)
EXPERT_FIELDS = ("name", "title", "fields", "expertise", "availability")
# What a form is validated as, what its changes are saved as, and the fields it changes.
FORMS: dict[Kind, tuple[type[BaseModel], type[BaseModel], tuple[str, ...]]] = {
    Kind.ACHIEVEMENTS: (AchievementCreate, AchievementUpdate, FIELDS),
    Kind.EXPERTS: (ExpertCreate, ExpertUpdate, EXPERT_FIELDS),
}
# The quality hints shown before publishing (advice: "仍然发布" publishes anyway).
QUALITY: dict[Kind, Callable[[dict[str, Any]], list[Hint]]] = {
    Kind.ACHIEVEMENTS: achievement_quality.check,
    Kind.EXPERTS: expert_quality.check,
}


# -- helpers shared with the expert pages --------------------------------------
class Fitting(BaseModel):
    """The filters of the “fitting needs” section (an unknown field code is ignored)."""

    industry_field: str = Field(default="", max_length=48)
    town: str = Field(default="", max_length=64)
    limit: int = Field(default=FITTING_LIMIT, ge=1, le=FITTING_MAX)


async def save_item(
    request: Request,
    ui: Ui,
    kind: Kind,
    *,
    item: Any,
    org_id: int | None,
    multi: tuple[str, ...] = (),
) -> tuple[Submitted[BaseModel], Any, list[Hint]]:
    """Validate the posted form as a whole item (so that clearing a required field is an
    error), then the quality hints unless confirmed (``confirm=1``: 仍然发布), then create
    it or save the changes; the saved item is None if the form has errors or hints.
    """
    create_schema, update_schema, fields = FORMS[kind]
    fixed = {} if org_id is None else {"org_id": str(org_id)}
    form = await read_form(request, create_schema, fixed=fixed, multi=multi)
    saved = None
    hints = QUALITY[kind](form.values) if form.ok else []
    if form.data is not None and form.ok and (not hints or form.values.get("confirm") == "1"):
        service = SERVICES[kind]
        with form.field_errors():
            if item is None:
                saved = service.create_as(ui.session, ui.principal, form.data)
            else:
                data = update_schema(**{k: getattr(form.data, k) for k in fields})
                saved = service.update_as(ui.session, ui.principal, item.id, data)
    return form, saved, hints


def parse_filters(industry_field: str, town: str) -> tuple[ItemFilters, dict[str, str]]:
    """Filters of the fitting-needs list; an unknown field code is ignored."""
    field = industry_field if industry_field in {f.value for f in IndustryField} else ""
    town = town.strip()[:64]
    filters = ItemFilters(industry_field=field or None, town=town or None)
    return filters, {"industry_field": field, "town": town}


def fitting_needs(
    ui: Ui,
    manager: IndexManager,
    kind: Kind,
    item: Any,
    filters: ItemFilters,
    limit: int,
) -> tuple[list[matching.Match], str]:
    """The open needs that fit an achievement or an expert, best first (or why there are none)."""
    item_id = item.id  # recommend() reloads the row
    try:
        matches = matching.recommend(
            ui.session,
            manager,
            source_kind=kind,
            source_id=item_id,
            target_kind=Kind.NEEDS,
            limit=limit,
            filters=filters,
        )
    except MatchmakingError as exc:
        return [], exc.message
    return matches, ""


def requested_dockings(
    ui: Ui, kind: Kind, item_id: int, matches: list[matching.Match]
) -> dict[int, Docking]:
    """The dockings already asked for between this item and each fitting need, by need id."""
    pairs = [(m.item.id, kind.value, item_id) for m in matches]
    return {need: d for (need, _k, _t), d in docking.existing(ui.session, pairs).items()}


def clamp_limit(limit: int) -> int:
    return max(FITTING_LIMIT, min(limit, FITTING_MAX))


# -- my achievements -------------------------------------------------------------
@router.get("/my/achievements", response_model=None)
def my_achievements(
    ui: Ui, page: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse | RedirectResponse:
    """My organization's achievements, every status, newest first."""
    p = ui.principal
    permissions.require_login(p)
    if p.is_staff:
        return ui.redirect("/staff/achievements")
    return own_items_page(ui, Kind.ACHIEVEMENTS, page, "“我的成果”", "achievements/mine.html")


def own_items_page(ui: Ui, kind: Kind, page: int, title: str, template: str) -> HTMLResponse:
    """My organization's items of one kind, every status, newest first (university users)."""
    p = ui.principal
    if kind not in permissions.editable_kinds(p) or p.org_id is None:
        raise Forbidden(f"{title}只对高校、科研院所用户开放")
    org = org_service.get(ui.session, p.org_id)
    found = SERVICES[kind].list_page(
        ui.session,
        filters=ItemFilters(org_id=p.org_id),
        page=page,
        page_size=PAGE_SIZE,
        include_closed=True,
    )
    return ui.render(template, {"org": org, **listing(found)})


# -- the form ----------------------------------------------------------------------
def _form(
    ui: Ui,
    *,
    item: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    hints: list[Hint] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "item": item,
        "values": values,
        "errors": errors,
        "hints": hints or [],
        "choose_org": ui.principal.is_staff,
    }
    return ui.render("achievements/form.html", context, status_code=status_code)


def _values_of(item: Any) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in FIELDS}
    values["trl"] = "" if item.trl is None else str(item.trl)
    values["price_wan"] = "" if item.price_wan is None else f"{item.price_wan:f}"
    return values


def _ensure_may_create(ui: Ui) -> None:
    """Staff choose the organization in the form; everyone else publishes for their own."""
    p = ui.principal
    permissions.require_login(p)
    if p.is_staff:
        return
    if p.org_id is None:
        raise Forbidden(f"{p.role.label if p.role else '访客'}不能发布科技成果")
    permissions.ensure_can_create(p, Kind.ACHIEVEMENTS, org_service.get(ui.session, p.org_id))


@router.get("/achievements/new", response_class=HTMLResponse)
def new_form(ui: Ui, org_id: Annotated[int | None, Query()] = None) -> HTMLResponse:
    """The form for a new achievement (staff: ``?org_id=`` fills in the organization)."""
    _ensure_may_create(ui)
    values = {"org_id": str(org_id)} if org_id and ui.principal.is_staff else {}
    return _form(ui, item=None, values=values, errors={})


@router.post("/achievements/new", response_model=None)
async def create(request: Request, ui: Ui) -> HTMLResponse | RedirectResponse:
    """Publish a new achievement for my organization (staff: for the organization chosen)."""
    _ensure_may_create(ui)
    org_id = None if ui.principal.is_staff else ui.principal.org_id
    form, saved, hints = await save_item(request, ui, Kind.ACHIEVEMENTS, item=None, org_id=org_id)
    if saved is not None:
        return ui.redirect(f"/achievements/{saved.id}", "成果已保存，正在计算匹配的技术需求")
    status = 400 if form.errors else 200
    return _form(
        ui, item=None, values=form.values, errors=form.errors, hints=hints, status_code=status
    )


@router.get("/achievements/{item_id}/edit", response_class=HTMLResponse)
def edit_form(ui: Ui, item_id: int) -> HTMLResponse:
    """The form for changing an achievement of my organization."""
    item = SERVICES[Kind.ACHIEVEMENTS].get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.ACHIEVEMENTS, item)
    return _form(ui, item=item, values=_values_of(item), errors={})


@router.post("/achievements/{item_id}/edit", response_model=None)
async def update(request: Request, ui: Ui, item_id: int) -> HTMLResponse | RedirectResponse:
    """Save changes to an achievement (its text changed: the vectors are recomputed)."""
    item = SERVICES[Kind.ACHIEVEMENTS].get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.ACHIEVEMENTS, item)
    form, saved, hints = await save_item(
        request, ui, Kind.ACHIEVEMENTS, item=item, org_id=item.org_id
    )
    if saved is not None:
        return ui.redirect(f"/achievements/{item_id}", "修改已保存")
    status = 400 if form.errors else 200
    return _form(
        ui, item=item, values=form.values, errors=form.errors, hints=hints, status_code=status
    )


@router.post("/achievements/{item_id}/close")
def close(ui: Ui, item_id: int) -> RedirectResponse:
    """Close an achievement: it is no longer shown or recommended."""
    SERVICES[Kind.ACHIEVEMENTS].close_as(ui.session, ui.principal, item_id)
    return ui.redirect(f"/achievements/{item_id}", "成果已关闭，不再公开展示和推荐")


@router.post("/achievements/{item_id}/reopen")
def reopen(ui: Ui, item_id: int) -> RedirectResponse:
    """Publish a closed achievement again: it is shown and recommended again."""
    SERVICES[Kind.ACHIEVEMENTS].reopen_as(ui.session, ui.principal, item_id)
    return ui.redirect(f"/achievements/{item_id}", "成果已重新发布")


def fitting_section(
    ui: Ui,
    manager: IndexManager,
    kind: Kind,
    item: Any,
    can_request: bool,
    fitting: Fitting,
) -> dict[str, Any]:
    """The context of the “fitting needs” section of an achievement or expert page."""
    filters, chosen = parse_filters(fitting.industry_field, fitting.town)
    limit = clamp_limit(fitting.limit)
    matches, error = fitting_needs(ui, manager, kind, item, filters, limit)
    requested = requested_dockings(ui, kind, item.id, matches) if can_request else {}
    return {
        "can_request": can_request,
        "requested": requested,
        "matches": matches,
        "match_error": error,
        "filters": chosen,
        "limit": limit,
        "target_kind": kind.value,
    }


# -- one achievement -----------------------------------------------------------------
def item_page(
    ui: Ui, manager: IndexManager, kind: Kind, item_id: int, fitting: Fitting
) -> dict[str, Any]:
    """The context of an achievement's or expert's page: the item, its organization, what
    this user may do and see, and the needs that fit it."""
    p = ui.principal
    item = SERVICES[kind].get_visible(ui.session, p, item_id)
    # Everything that reads item.org first: recommend() reloads the row without it.
    org = item.org
    can_edit = permissions.can_edit(p, kind, item)
    published = permissions.is_published(kind, item)
    return {
        "item": item,
        "org": org,
        "can_edit": can_edit,
        "published": published,
        "contacts": permissions.can_see_contacts(ui.session, p, org),
        # Requesting a docking speaks for the item: its organization or staff in scope.
        **fitting_section(ui, manager, kind, item, can_edit and published, fitting),
    }


@router.get("/achievements/{item_id}", response_class=HTMLResponse)
def detail(
    ui: Ui, manager: IndexDep, item_id: int, fitting: Annotated[Fitting, Query()]
) -> HTMLResponse:
    """An achievement, its organization, and the technical needs that fit it."""
    context = item_page(ui, manager, Kind.ACHIEVEMENTS, item_id, fitting)
    return ui.render("achievements/detail.html", context)
