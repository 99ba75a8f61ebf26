"""The KPI dashboard (/dashboard), its drill-downs, and the targets page (/targets)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking import clock
from matchmaking.accounts.permissions import require_staff
from matchmaking.exceptions import InvalidInput
from matchmaking.kpi import service, targets
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.outbound import metrics
from web.pages.common import Ui

router = APIRouter()

Year = Annotated[int | None, Query(ge=2000, le=2100)]
Month = Annotated[int | None, Query(ge=1, le=12)]
TownQ = Annotated[str | None, Query(max_length=64)]


def _filters(ui: Ui, view: service.View) -> dict[str, Any]:
    names = service.town_names(ui.session)
    town = names.get(view.town_id, "") if view.town_id is not None else ""
    query: dict[str, Any] = {"year": view.year, "month": view.month}
    if town:
        query["town"] = town
    return {
        "year": view.year,
        "month": view.month,
        "town": town,
        "towns": list(names.values()) if view.scope.district else [],
        "years": list(range(clock.local_today().year - 3, clock.local_today().year + 2)),
        "query": urlencode(query),
        "data_as_of": service.data_as_of(),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(ui: Ui, year: Year = None, month: Month = None, town: TownQ = None) -> HTMLResponse:
    """Cards per indicator, charts (drawn from /api/v1/kpi/…), the data-quality panel."""
    view = service.view_for(ui.session, ui.principal, year=year, month=month, town=town)
    context = {
        **_filters(ui, view),
        "figures": service.summary(ui.session, view),
        "quality": service.quality(ui.session, view),
        "reach": _reach(ui, view),
        "indicators": [(i.code, i.label) for i in REGISTRY.values()],
    }
    return ui.render("kpi/dashboard.html", context)


def _reach(ui: Ui, view: service.View) -> metrics.Reach:
    """This month's outbound messages in the view's scope (a town's: its organizations')."""
    start, end = clock.month_bounds(view.year, view.month)
    town_id = view.town_id
    if town_id is None and not view.scope.district:
        town_id = view.scope.town_id
    return metrics.reach(ui.session, start, end, town_id)


@router.get("/dashboard/records", response_class=HTMLResponse)
def drill_down(
    ui: Ui,
    indicator: Annotated[str, Query(max_length=32)],
    period: Annotated[str, Query(max_length=8)] = "ytd",
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> HTMLResponse:
    """The records behind one number of the dashboard."""
    view = service.view_for(ui.session, ui.principal, year=year, month=month, town=town)
    found = service.records(ui.session, view, indicator, period=period, page=page)
    filters = _filters(ui, view)
    query = urlencode({"indicator": indicator, "period": period}) + "&" + filters["query"] + "&"
    return ui.render(
        "kpi/records.html", {**filters, "found": found, "pager": found, "pager_query": query}
    )


@router.get("/targets", response_class=HTMLResponse)
def target_table(ui: Ui, year: Year = None) -> HTMLResponse:
    """The year's targets: a row per town in scope (and the district total)."""
    return _targets_page(ui, year or clock.local_today().year)


def _targets_page(
    ui: Ui,
    year: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = targets.table(ui.session, ui.principal, year)
    context = {
        "year": year,
        "rows": rows,
        "indicators": list(REGISTRY.values()),
        "values": values or {},
        "errors": errors or {},
        "years": list(range(clock.local_today().year - 1, clock.local_today().year + 2)),
    }
    return ui.render("kpi/targets.html", context, status_code=status_code)


@router.post("/targets", response_model=None)
async def save_targets(ui: Ui, request: Request) -> HTMLResponse | RedirectResponse:
    """Save the whole table: each cell ``t-<indicator>-<town id or 0>``; blank clears it."""
    require_staff(ui.principal)
    form = await request.form()
    try:
        year = int(str(form.get("year", "")))
    except ValueError:
        raise InvalidInput("请选择年份", field="year") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间", field="year")
    rows = targets.table(ui.session, ui.principal, year)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    parsed: list[tuple[str, int | None, Any]] = []
    for row in rows:
        for code in REGISTRY:
            key = f"t-{code}-{row['town_id'] or 0}"
            text = str(form.get(key, ""))[:40]
            values[key] = text
            try:
                amount = targets.parse_amount(text, field=key)
            except InvalidInput as exc:
                errors[key] = exc.message
                continue
            parsed.append((code, row["town_id"], amount))
    if errors:
        return _targets_page(ui, year, values=values, errors=errors, status_code=400)
    changed = 0
    for code, town_id, amount in parsed:
        current = row_value(rows, code, town_id)
        if (amount is None and current == "") or (
            amount is not None and current != "" and targets.plain(amount) == current
        ):
            continue
        targets.set_target(
            ui.session, ui.principal, year=year, indicator=code, town_id=town_id, annual=amount
        )
        changed += 1
    message = f"已保存 {year} 年目标（修改 {changed} 项）" if changed else "目标没有变化"
    return ui.redirect(f"/targets?year={year}", message)


def row_value(rows: list[dict[str, Any]], code: str, town_id: int | None) -> str:
    for row in rows:
        if row["town_id"] == town_id:
            return str(row["targets"][code])
    return ""
