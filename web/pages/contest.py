"""季度竞赛 pages: the ranking (/contest), its .xlsx, the rules form and bonus items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matchmaking import clock
from matchmaking.common.numbers import MAX_ID
from matchmaking.exceptions import InvalidInput
from matchmaking.kpi import contest, service, targets
from matchmaking.kpi.indicators import REGISTRY
from web.downloads import xlsx
from web.pages.common import Ui

router = APIRouter(prefix="/contest")

Year = Annotated[int | None, Query(ge=2000, le=2100)]
Quarter = Annotated[int | None, Query(ge=1, le=4)]


def _page(
    ui: Ui,
    year: int | None,
    quarter: int | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = contest.standing(ui.session, ui.principal, year=year, quarter=quarter)
    today = clock.local_today()
    rules = found.rules
    context = {
        "s": found,
        "rules": rules,
        "weighted": [REGISTRY[c] for c in rules.weighted()],
        "indicators": list(REGISTRY.values()),
        "may_edit": ui.principal.scope.district,
        "towns": list(service.town_names(ui.session).items()),
        "years": list(range(today.year - 3, today.year + 2)),
        "values": values or {},
        "has_bonus": any(t.bonus_items for t in found.towns if t.visible),
        "rule_errors": any(
            k in ("weights", "cap", "bonus_cap") or k.startswith("w-") for k in errors or {}
        ),
        "errors": errors or {},
        "status_label": contest.STATUS_LABEL,
        "part_cell": contest.part_cell,
        "plain": targets.plain,
    }
    return ui.render("kpi/contest.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def contest_page(ui: Ui, year: Year = None, quarter: Quarter = None) -> HTMLResponse:
    """The quarter's ranking of towns with each score's breakdown, the rules, bonus items."""
    return _page(ui, year, quarter)


@router.get("/download.xlsx")
def contest_xlsx(ui: Ui, year: Year = None, quarter: Quarter = None) -> Response:
    """The ranking as a workbook (the breakdowns the asker may see)."""
    found = contest.standing(ui.session, ui.principal, year=year, quarter=quarter)
    return xlsx(
        contest.xlsx_bytes(found),
        f"{found.title}.xlsx",
        f"contest-{found.year}-q{found.quarter}.xlsx",
    )


def _year_quarter(form: Any) -> tuple[int, int]:
    """The form's year and quarter (hidden fields), checked as the page's query."""
    year, quarter = str(form.get("year", ""))[:8], str(form.get("quarter", ""))[:4]
    if not (year.isascii() and year.isdigit()):
        raise InvalidInput("请选择年份", field="year")
    if not (quarter.isascii() and quarter.isdigit()):
        raise InvalidInput("请选择季度", field="quarter")
    return contest.quarter_for(int(year), int(quarter))


@router.post("/rules", response_model=None)
async def save_rules(ui: Ui, request: Request) -> HTMLResponse | RedirectResponse:
    """Save the year's rules: ``w-<indicator>`` weights, ``cap`` (%), ``bonus_cap``."""
    contest.ensure_district(ui.principal, "规则")
    form = await request.form()
    year, quarter = _year_quarter(form)
    values = {f"w-{code}": str(form.get(f"w-{code}", ""))[:20] for code in REGISTRY}
    values["cap"] = str(form.get("cap", ""))[:20]
    values["bonus_cap"] = str(form.get("bonus_cap", ""))[:20]
    parsed = contest.parse_rules(
        {code: values[f"w-{code}"] for code in REGISTRY}, values["cap"], values["bonus_cap"]
    )
    if parsed.errors:
        return _page(ui, year, quarter, values=values, errors=parsed.errors, status_code=400)
    contest.set_rules(
        ui.session,
        ui.principal,
        year=year,
        weights=parsed.weights,
        cap_pct=parsed.cap_pct,
        bonus_cap=parsed.bonus_cap,
    )
    return ui.redirect(f"/contest?year={year}&quarter={quarter}", f"已保存 {year} 年季度竞赛规则")


@router.post("/bonus", response_model=None)
async def add_bonus(ui: Ui, request: Request) -> HTMLResponse | RedirectResponse:
    """Enter a bonus item for a town in the quarter (district staff)."""
    contest.ensure_district(ui.principal, "加分项")
    form = await request.form()
    year, quarter = _year_quarter(form)
    values = {
        "town": str(form.get("town", ""))[:20],
        "points": str(form.get("points", ""))[:20],
        "reason": str(form.get("reason", ""))[: contest.MAX_REASON + 50],
    }
    errors: dict[str, str] = {}
    town = values["town"].strip()
    town_id = int(town) if town.isascii() and town.isdigit() and int(town) <= MAX_ID else None
    if town_id is None:
        errors["town"] = "请选择区镇"
    rules = contest.rules_for(ui.session, year)
    try:
        points = contest.parse_points(values["points"], rules.bonus_cap)
    except InvalidInput as exc:
        errors["points"] = exc.message
    try:
        reason = contest.clean_reason(str(form.get("reason", "")))
    except InvalidInput as exc:
        errors["reason"] = exc.message
    if not errors:
        assert town_id is not None
        try:
            contest.add_bonus(
                ui.session,
                ui.principal,
                year=year,
                quarter=quarter,
                town_id=town_id,
                points=points,
                reason=reason,
            )
        except InvalidInput as exc:
            errors[exc.field or "town"] = exc.message
    if errors:
        return _page(ui, year, quarter, values=values, errors=errors, status_code=400)
    return ui.redirect(f"/contest?year={year}&quarter={quarter}", "已登记加分项")


@router.post("/bonus/{bonus_id}/delete", response_model=None)
def delete_bonus(ui: Ui, bonus_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> RedirectResponse:
    """Remove a bonus item (district staff); back to its quarter."""
    row = contest.delete_bonus(ui.session, ui.principal, bonus_id)
    return ui.redirect(f"/contest?year={row.year}&quarter={row.quarter}", "已删除加分项")
