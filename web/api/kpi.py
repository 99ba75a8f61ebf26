"""JSON API: the KPI figures the dashboard draws (staff only; town staff their town)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from matchmaking import clock
from matchmaking.exceptions import InvalidInput
from matchmaking.kpi import contest, service, targets
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import Town
from web.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/kpi", tags=["kpi 考核指标"])

Year = Annotated[int | None, Query(ge=2000, le=2100, description="年份（默认今年）")]
Month = Annotated[int | None, Query(ge=1, le=12, description="截至月份（默认本月；往年为 12 月）")]
TownQ = Annotated[str | None, Query(max_length=64, description="区镇名称（默认：全部可见区镇）")]
IndicatorQ = Annotated[str, Query(max_length=32, description="指标代码，见 /kpi/summary")]


def _head(view: service.View, session: SessionDep) -> dict[str, Any]:
    names = service.town_names(session)
    return {
        "year": view.year,
        "month": view.month,
        "town": names.get(view.town_id, "") if view.town_id is not None else "",
        "data_as_of": service.data_as_of(),
    }


@router.get("/summary")
def summary(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
) -> dict[str, Any]:
    """Per indicator: target, this month, year to date, completion, schedule (序时), 同比."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    figures = [f.as_json() for f in service.summary(session, view)]
    return {**_head(view, session), "indicators": figures}


@router.get("/cumulative")
def cumulative(
    session: SessionDep,
    principal: PrincipalDep,
    indicator: IndicatorQ = "amount",
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
) -> dict[str, Any]:
    """The cumulative monthly line against the schedule line (and last year's)."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    _check(indicator)
    return {**_head(view, session), **service.cumulative(session, view, indicator)}


@router.get("/ranking")
def ranking(
    session: SessionDep,
    principal: PrincipalDep,
    indicator: IndicatorQ = "amount",
    year: Year = None,
    month: Month = None,
) -> dict[str, Any]:
    """Towns by year to date against their schedule, with red/amber/green."""
    view = service.view_for(session, principal, year=year, month=month)
    _check(indicator)
    return {**_head(view, session), "towns": service.ranking(session, view, indicator)}


@router.get("/breakdown")
def breakdown(
    session: SessionDep,
    principal: PrincipalDep,
    by: Annotated[str, Query(max_length=16, description="type | field | flow | origin")] = "type",
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
) -> dict[str, Any]:
    """Registered contracts of the year to date by type, field, flow or origin."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    return {**_head(view, session), "by": by, "rows": service.breakdown(session, view, by)}


@router.get("/funnel")
def funnel(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
) -> dict[str, Any]:
    """Need → docking → agreement → registered contract → money received, year to date."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    return {**_head(view, session), "steps": service.funnel(session, view)}


@router.get("/origin")
def origin(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
) -> dict[str, Any]:
    """What recommendations, searches, events, visits and direct entry produced."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    return {**_head(view, session), "rows": service.origin_value(session, view)}


@router.get("/quality")
def quality(
    session: SessionDep,
    principal: PrincipalDep,
    town: TownQ = None,
) -> dict[str, Any]:
    """Stale records: contracts unregistered after 60 days, unpaid, needs untouched 90 days."""
    view = service.view_for(session, principal, town=town)
    return {**_head(view, session), "checks": service.quality(session, view)}


@router.get("/records")
def records(
    session: SessionDep,
    principal: PrincipalDep,
    indicator: IndicatorQ,
    period: Annotated[str, Query(max_length=8, description="month 本月 | ytd 累计")] = "ytd",
    year: Year = None,
    month: Month = None,
    town: TownQ = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The records behind a figure (or a data-quality check), a page at a time."""
    view = service.view_for(session, principal, year=year, month=month, town=town)
    found = service.records(session, view, indicator, period=period, page=page, size=page_size)
    return {**_head(view, session), **found.as_json()}


@router.get("/contest")
def contest_standing(
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    quarter: Annotated[
        int | None, Query(ge=1, le=4, description="季度 1–4（默认本季度；往年为第 4 季度）")
    ] = None,
) -> dict[str, Any]:
    """季度竞赛: towns by score, best first; the breakdown (parts, bonus) where visible."""
    return contest.standing(session, principal, year=year, quarter=quarter).as_json()


def _check(code: str) -> None:
    if code not in REGISTRY:
        raise InvalidInput(f"没有“{code}”这个指标", field="indicator")


class TargetIn(BaseModel):
    """One annual target; ``monthly`` (12 amounts adding up to it) replaces the even split."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    indicator: str = Field(max_length=32, description="指标代码，见 /kpi/summary")
    town: str = Field(default="", max_length=64, description="区镇名称；空为全区合计")
    annual: Decimal | None = Field(
        ge=0, le=targets.MAX_TARGET, decimal_places=4, description="年度目标；null 为删除"
    )
    monthly: (
        list[Annotated[Decimal, Field(ge=0, le=targets.MAX_TARGET, decimal_places=4)]] | None
    ) = Field(default=None, min_length=12, max_length=12, description="按月分解（12 个月）")


@router.get("/targets")
def list_targets(session: SessionDep, principal: PrincipalDep, year: Year = None) -> dict[str, Any]:
    """The year's targets by town in scope (and the district total for district staff)."""
    year = year or clock.local_today().year
    rows = targets.table(session, principal, year)
    return {"year": year, "towns": [{**r, "town_id": r["town_id"]} for r in rows]}


@router.put("/targets")
def put_target(session: SessionDep, principal: PrincipalDep, data: TargetIn) -> dict[str, Any]:
    """Set, change or (annual null) remove one target; the change is audited."""
    town_id = None
    if data.town:
        town_id = session.scalar(select(Town.id).where(Town.name == data.town))
        if town_id is None:
            raise InvalidInput(f"“{data.town}”不在本区的区镇列表中", field="town")
    row = targets.set_target(
        session,
        principal,
        year=data.year,
        indicator=data.indicator,
        town_id=town_id,
        annual=data.annual,
        monthly=data.monthly,
    )
    if row is None:
        return {"deleted": True}
    return {
        "year": row.year,
        "indicator": row.indicator,
        "town": data.town,
        "annual": targets.plain(Decimal(row.annual)),
        "monthly": row.monthly,
    }
