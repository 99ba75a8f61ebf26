"""Pages: my achievements, the achievement form, and an achievement with the needs that fit it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from matchmaking.accounts import permissions
from matchmaking.achievements.schemas import AchievementCreate, AchievementUpdate
from matchmaking.common.filters import ItemFilters
from matchmaking.common.validation import FIELD_LABELS, validation_details
from matchmaking.docking import repository as dockings
from matchmaking.enums import IndustryField, Kind
from matchmaking.exceptions import Forbidden, MatchmakingError
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import Docking
from matchmaking.organizations import service as org_service
from web.deps import IndexDep
from web.pages.common import Ui

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
# Empty means "not given" for these (price: 面议; TRL: not assessed).
OPTIONAL_EMPTY = frozenset({"trl", "price_wan"})


# -- helpers shared with the expert pages --------------------------------------
async def form_values(request: Request, multi: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted form as a dict of stripped strings (lists for ``multi`` fields)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in multi:
            values[key] = [str(v) for v in form.getlist(key) if str(v).strip()]
        else:
            raw = form.get(key)
            values[key] = raw.strip() if isinstance(raw, str) else ""
    for key in multi:
        values.setdefault(key, [])
    return values


def validate_form(
    schema: type[BaseModel], values: dict[str, Any], optional_empty: frozenset[str]
) -> tuple[BaseModel | None, dict[str, str]]:
    """Validate a form; errors by field in Chinese, without the label the form shows anyway."""
    data: dict[str, Any] = {}
    for key, value in values.items():
        if value not in ("", []):
            data[key] = value
        elif key in optional_empty:
            data[key] = None
        elif key in schema.model_fields and schema.model_fields[key].is_required():
            continue  # a blank required field is "必填", not "too short"
        else:
            data[key] = value
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for detail in validation_details(exc.errors()):
            field = str(detail["field"]).split(".")[0]
            label = FIELD_LABELS.get(field, field)
            errors.setdefault(field, str(detail["message"]).removeprefix(f"{label}："))
        return None, errors


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
    found = {}
    for m in matches:
        existing = dockings.by_pair(ui.session, m.item.id, kind.value, item_id)
        if existing is not None:
            found[m.item.id] = existing
    return found


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
    rows, total = SERVICES[kind].list_page(
        ui.session,
        filters=ItemFilters(org_id=p.org_id),
        page=page,
        page_size=PAGE_SIZE,
        include_closed=True,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    context = {"org": org, "rows": rows, "total": total, "page": page, "pages": pages}
    return ui.render(template, context)


# -- the form ----------------------------------------------------------------------
def _form(
    ui: Ui,
    *,
    item: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return ui.render(
        "achievements/form.html",
        {"item": item, "values": values, "errors": errors, "choose_org": ui.principal.is_staff},
        status_code=status_code,
    )


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
    values = await form_values(request)
    if not ui.principal.is_staff:
        values["org_id"] = str(ui.principal.org_id)
    data, errors = validate_form(AchievementCreate, values, OPTIONAL_EMPTY)
    if data is not None:
        try:
            item = SERVICES[Kind.ACHIEVEMENTS].create_as(ui.session, ui.principal, data)
        except MatchmakingError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            errors[exc.field or "form"] = exc.message
        else:
            return ui.redirect(f"/achievements/{item.id}", "成果已保存，正在计算匹配的技术需求")
    return _form(ui, item=None, values=values, errors=errors, status_code=400)


@router.get("/achievements/{item_id}/edit", response_class=HTMLResponse)
def edit_form(ui: Ui, item_id: int) -> HTMLResponse:
    """The form for changing an achievement of my organization."""
    item = SERVICES[Kind.ACHIEVEMENTS].get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.ACHIEVEMENTS, item)
    return _form(ui, item=item, values=_values_of(item), errors={})


@router.post("/achievements/{item_id}/edit", response_model=None)
async def update(request: Request, ui: Ui, item_id: int) -> HTMLResponse | RedirectResponse:
    """Save changes to an achievement (its text changed: the vectors are recomputed)."""
    service = SERVICES[Kind.ACHIEVEMENTS]
    item = service.get(ui.session, item_id)
    permissions.ensure_can_edit(ui.principal, Kind.ACHIEVEMENTS, item)
    values = await form_values(request)
    # Validate as a whole achievement, so that a cleared required field is an error.
    full, errors = validate_form(
        AchievementCreate, {**values, "org_id": str(item.org_id)}, OPTIONAL_EMPTY
    )
    if full is not None:
        data = AchievementUpdate(**full.model_dump(include=set(FIELDS)))
        try:
            service.update_as(ui.session, ui.principal, item_id, data)
        except MatchmakingError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            errors[exc.field or "form"] = exc.message
        else:
            return ui.redirect(f"/achievements/{item_id}", "修改已保存")
    return _form(ui, item=item, values=values, errors=errors, status_code=400)


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
    fitting: tuple[str, str, int],
) -> dict[str, Any]:
    """The context of the “fitting needs” section of an achievement or expert page."""
    industry_field, town, limit = fitting
    filters, chosen = parse_filters(industry_field, town)
    limit = clamp_limit(limit)
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
@router.get("/achievements/{item_id}", response_class=HTMLResponse)
def detail(
    ui: Ui,
    manager: IndexDep,
    item_id: int,
    industry_field: Annotated[str, Query(max_length=48)] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=FITTING_MAX)] = FITTING_LIMIT,
) -> HTMLResponse:
    """An achievement, its organization, and the technical needs that fit it."""
    p = ui.principal
    item = SERVICES[Kind.ACHIEVEMENTS].get_visible(ui.session, p, item_id)
    # Everything that reads item.org first: recommend() reloads the row without it.
    org = item.org
    can_edit = permissions.can_edit(p, Kind.ACHIEVEMENTS, item)
    published = permissions.is_published(Kind.ACHIEVEMENTS, item)
    contacts = permissions.can_see_contacts(ui.session, p, org)
    # Requesting a docking speaks for the item: its organization or staff in scope.
    fitting = fitting_section(
        ui, manager, Kind.ACHIEVEMENTS, item, can_edit and published, (industry_field, town, limit)
    )
    return ui.render(
        "achievements/detail.html",
        {
            "item": item,
            "org": org,
            "can_edit": can_edit,
            "published": published,
            "contacts": contacts,
            **fitting,
        },
    )
