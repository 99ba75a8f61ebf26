"""KPI figures: per indicator × town × month, against the targets, in China-time months.

Pure functions over queries. One grouped query per indicator gives the twelve months of
the year and of the year before for every town in scope; every card, line, ranking and
report figure is derived from it. Dates (签订/登记/到账) place a row in their own month;
timestamps (a need's posting) are read in China time (``clock.month_bounds``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, case, exists, func, literal, select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal, Scope, require_staff
from matchmaking.common.validation import text_problem
from matchmaking.config import get_settings
from matchmaking.enums import (
    REGISTERED_CONTRACT_STATUSES,
    ContractFlow,
    ContractStatus,
    ContractType,
    NeedStatus,
    Origin,
    TechField,
)
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.kpi import cache
from matchmaking.kpi import targets as target_store
from matchmaking.kpi.indicators import DOCKING_SOURCE, REGISTRY, Indicator, Source
from matchmaking.models import (
    ContractPayment,
    CooperationAgreement,
    Docking,
    Need,
    Organization,
    TechContract,
    Town,
)

ZERO = Decimal(0)
REGISTERED = tuple(s.value for s in REGISTERED_CONTRACT_STATUSES)
MIN_YEAR, MAX_YEAR = 2000, 2100
T = TypeVar("T")


@dataclass(frozen=True)
class View:
    """What is asked: a year, up to a month, in a scope (None: every town in it)."""

    year: int
    month: int
    scope: Scope
    town_id: int | None = None

    def covers(self, town_id: int | None) -> bool:
        if self.town_id is not None:
            return town_id == self.town_id
        return self.scope.district or town_id == self.scope.town_id


def view_for(
    session: Session,
    principal: Principal,
    *,
    year: int | None = None,
    month: int | None = None,
    town: str | None = None,
) -> View:
    """Check who asks and what: staff only; town staff only their own town."""
    require_staff(principal)
    today = clock.local_today()
    year = today.year if year is None else year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间", field="year")
    if month is None:
        month = today.month if year == today.year else 12
        if year > today.year:
            month = 1
    if not 1 <= month <= 12:
        raise InvalidInput("月份应在 1–12 之间", field="month")
    scope = principal.scope
    name = scope.narrow(town or None)
    town_id = None
    if not scope.district:
        if scope.town_id is None:
            raise Forbidden("您的账号没有负责的区镇")
        town_id = scope.town_id
    elif name:
        # A NUL would reach PostgreSQL as a DataError (a 500 instead of a message).
        if problem := text_problem(name, multiline=False):
            raise InvalidInput(f"区镇{problem}", field="town")
        town_id = session.scalar(select(Town.id).where(Town.name == name))
        if town_id is None:
            raise InvalidInput(f"“{name}”不在本区的区镇列表中", field="town")
    return View(year=year, month=month, scope=scope, town_id=town_id)


def dec(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _year_bounds(source: Source, year: int) -> tuple[Any, Any]:
    if source.timestamp:
        return clock.month_bounds(year, 1)[0], clock.month_bounds(year, 12)[1]
    return date(year, 1, 1), date(year + 1, 1, 1)


def _month_starts(source: Source, first_year: int, months: int) -> list[Any]:
    """The start of each month after the first (the upper bounds of the buckets)."""
    out: list[Any] = []
    for i in range(1, months + 1):
        y, m = first_year + i // 12, i % 12 + 1
        out.append(clock.month_bounds(y, m)[0] if source.timestamp else date(y, m, 1))
    return out


def _in_view(source: Source, stmt: Select[Any], view: View) -> Select[Any]:
    if view.town_id is not None:
        return stmt.where(source.town == view.town_id)
    if not view.scope.district:
        return stmt.where(source.town == view.scope.town_id)
    return stmt


def _scoped(by_town: dict[int | None, T], view: View) -> dict[int | None, T]:
    """The towns of ``by_town`` in the view's scope (rows without a town: district only)."""
    if view.town_id is None and view.scope.district:
        return by_town
    return {town: rows for town, rows in by_town.items() if town is not None and view.covers(town)}


def source_tables(*sources: Source) -> set[str]:
    """The tables a source's rows are read from (the keys of its cached aggregates)."""
    out: set[str] = set()
    for source in sources:
        out.add(cache.table_of(source.table))
        out.update(cache.table_of(target) for target, _on in source.joins)
    return out


def _bucket(source: Source, year: int) -> Any:
    """The month of a row as 0–23 (January of the year before ``year`` = 0)."""
    if source.timestamp:
        # UTC timestamps: China-time month boundaries as UTC instants.
        uppers = _month_starts(source, year - 1, 24)
        return case(*((source.when < upper, i) for i, upper in enumerate(uppers)), else_=23)
    # Dates: their own year and month (an integer expression on every database).
    y, m = func.extract("year", source.when), func.extract("month", source.when)
    return (y - (year - 1)) * 12 + m - 1


@dataclass
class Family:
    """A family's figures for every town: per source, 24 monthly values and row counts."""

    values: list[dict[int | None, list[Decimal]]]
    counts: list[dict[int | None, list[int]]]


def _family_query(session: Session, sources: list[Source], year: int) -> Family:
    first = sources[0]
    start = _year_bounds(first, year - 1)[0]
    end = _year_bounds(first, year)[1]
    bucket = _bucket(first, year)
    columns: list[Any] = []
    one: Any = literal(1)
    for source in sources:
        if source.only is None:
            columns.append(func.count())
            columns.append(func.count() if _is_count(source) else func.sum(source.value))
        else:
            columns.append(func.sum(case((source.only, one), else_=0)))
            value = one if _is_count(source) else source.value
            columns.append(func.sum(case((source.only, value), else_=0)))
    stmt = select(first.town, bucket, *columns).select_from(first.table)
    for target, onclause in first.joins:
        stmt = stmt.join(target, onclause)
    stmt = stmt.where(*first.where, first.when >= start, first.when < end)
    stmt = stmt.group_by(first.town, bucket)
    out = Family([{} for _ in sources], [{} for _ in sources])
    for row in session.execute(stmt):
        town_id, index = row[0], int(row[1])
        for i in range(len(sources)):
            n, amount = row[2 + 2 * i], row[3 + 2 * i]
            out.counts[i].setdefault(town_id, [0] * 24)[index] += int(n or 0)
            out.values[i].setdefault(town_id, [ZERO] * 24)[index] += dec(amount)
    return out


def _family(session: Session, key: str, sources: list[Source], year: int) -> Family:
    """Every town's figures of a family for ``year`` and the year before (cached)."""
    return cache.cached(
        session,
        ("family", key, year),
        source_tables(*sources),
        lambda: _family_query(session, sources, year),
    )


def families() -> dict[str, list[Indicator]]:
    """The registry's indicators by family: the members of one share one query."""
    out: dict[str, list[Indicator]] = {}
    for indicator in REGISTRY.values():
        out.setdefault(indicator.source.family or indicator.code, []).append(indicator)
    return out


def _indicator_family(code: str) -> tuple[str, list[Indicator], int]:
    for key, members in families().items():
        for i, indicator in enumerate(members):
            if indicator.code == code:
                return key, members, i
    raise InvalidInput(f"没有“{code}”这个指标", field="indicator")


def indicator_family(
    session: Session, view: View, code: str
) -> tuple[dict[int | None, list[Decimal]], dict[int | None, list[int]]]:
    """One indicator's monthly values and row counts per town in the view's scope."""
    key, members, i = _indicator_family(code)
    found = _family(session, key, [m.source for m in members], view.year)
    return _scoped(found.values[i], view), _scoped(found.counts[i], view)


def monthly_by_town(session: Session, code: str, view: View) -> dict[int | None, list[Decimal]]:
    """Per town: 24 monthly figures, January of the year before to December of ``view.year``."""
    return indicator_family(session, view, code)[0]


def all_monthly(session: Session, view: View) -> dict[str, dict[int | None, list[Decimal]]]:
    """Every indicator's ``monthly_by_town``, one (cached) query per family of sources."""
    out: dict[str, dict[int | None, list[Decimal]]] = {}
    for key, members in families().items():
        found = _family(session, key, [m.source for m in members], view.year)
        for indicator, by_town in zip(members, found.values, strict=True):
            out[indicator.code] = _scoped(by_town, view)
    return out


def _is_count(source: Source) -> bool:
    return getattr(source.value, "value", None) == 1


def _sum(rows: Iterable[list[Decimal]]) -> list[Decimal]:
    total = [ZERO] * 24
    for row in rows:
        total = [a + b for a, b in zip(total, row, strict=True)]
    return total


def _ratio(value: Decimal, of: Decimal) -> float | None:
    return None if of <= 0 else float(value / of)


def rag(ratio: float | None) -> str:
    """green / amber / red against the schedule (settings ``kpi_green``, ``kpi_amber``)."""
    if ratio is None:
        return "none"
    settings = get_settings()
    if ratio >= settings.kpi_green:
        return "green"
    return "amber" if ratio >= settings.kpi_amber else "red"


@dataclass
class Figure:
    """One indicator in one scope: the card's numbers."""

    code: str
    label: str
    unit: str
    caliber: str
    target: Decimal | None
    month: Decimal
    ytd: Decimal
    # 序时目标: the part of the target due by the end of the month.
    schedule: Decimal | None
    prev_ytd: Decimal
    months: list[Decimal]
    prev_months: list[Decimal]
    schedule_months: list[Decimal] | None

    @property
    def completion(self) -> float | None:
        return None if self.target is None else _ratio(self.ytd, self.target)

    @property
    def schedule_ratio(self) -> float | None:
        return None if self.schedule is None else _ratio(self.ytd, self.schedule)

    @property
    def gap(self) -> Decimal | None:
        """Ahead (+) or behind (−) the schedule."""
        return None if self.schedule is None else self.ytd - self.schedule

    @property
    def yoy(self) -> float | None:
        if self.prev_ytd <= 0:
            return None
        return float((self.ytd - self.prev_ytd) / self.prev_ytd)

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.code,
            "label": self.label,
            "unit": self.unit,
            "caliber": self.caliber,
            "target": num(self.target),
            "month": num(self.month),
            "year_to_date": num(self.ytd),
            "completion": self.completion,
            "schedule": num(self.schedule),
            "schedule_ratio": self.schedule_ratio,
            "ahead_behind": num(self.gap),
            "previous_year_to_date": num(self.prev_ytd),
            "year_on_year": self.yoy,
            "rag": rag(self.schedule_ratio),
        }


def num(value: Decimal | None) -> float | int | None:
    """A figure for JSON: counts as integers, amounts to 4 decimals."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 4))


def figure(
    indicator: Indicator,
    view: View,
    rows: list[Decimal],
    target: target_store.Target | None,
) -> Figure:
    m = view.month
    this_year, prev_year = rows[12:], rows[:12]
    schedule_months = target.schedule() if target else None
    return Figure(
        code=indicator.code,
        label=indicator.label,
        unit=indicator.unit,
        caliber=indicator.caliber,
        target=target.annual if target else None,
        month=this_year[m - 1],
        ytd=sum(this_year[:m], ZERO),
        schedule=schedule_months[m - 1] if schedule_months else None,
        prev_ytd=sum(prev_year[:m], ZERO),
        months=this_year,
        prev_months=prev_year,
        schedule_months=schedule_months,
    )


def town_names(session: Session) -> dict[int, str]:
    rows = session.execute(select(Town.id, Town.name).order_by(Town.position, Town.id))
    return {int(town_id): str(name) for town_id, name in rows}


Monthly = dict[str, dict[int | None, list[Decimal]]]


def summary(session: Session, view: View, monthly: Monthly | None = None) -> list[Figure]:
    """Every indicator in the view's scope: a card each (``monthly``: already read)."""
    targets = target_store.for_year(session, view.year)
    monthly = all_monthly(session, view) if monthly is None else monthly
    out = []
    for indicator in REGISTRY.values():
        by_town = monthly[indicator.code]
        out.append(
            figure(
                indicator,
                view,
                _sum(by_town.values()),
                target_store.scope_target(targets, indicator.code, view),
            )
        )
    return out


def ranking(
    session: Session, view: View, code: str, monthly: Monthly | None = None
) -> list[dict[str, Any]]:
    """Towns by year-to-date against their schedule, best first, with their colour."""
    indicator = REGISTRY[code]
    if monthly is None:
        by_town = monthly_by_town(session, code, view)
    else:
        by_town = monthly[code]
    targets = target_store.for_year(session, view.year)
    rows = []
    for town_id, name in town_names(session).items():
        if not view.covers(town_id):
            continue
        target = targets.get((code, town_id))
        f = figure(indicator, view, by_town.get(town_id, [ZERO] * 24), target)
        rows.append({"town_id": town_id, "town": name, **f.as_json()})
    # By schedule; towns without a target after those with one, by their figure.
    rows.sort(
        key=lambda r: (
            r["schedule_ratio"] is None,
            -(r["schedule_ratio"] or 0),
            -(r["year_to_date"] or 0),
            r["town"],
        )
    )
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def cumulative(session: Session, view: View, code: str) -> dict[str, Any]:
    """The cumulative line of the year (to the month) against the schedule line."""
    indicator = REGISTRY[code]
    targets = target_store.for_year(session, view.year)
    f = figure(
        indicator,
        view,
        _sum(monthly_by_town(session, code, view).values()),
        target_store.scope_target(targets, code, view),
    )
    running, prev = ZERO, ZERO
    actual, previous = [], []
    for i in range(12):
        running += f.months[i]
        prev += f.prev_months[i]
        actual.append(num(running) if i < view.month else None)
        previous.append(num(prev))
    return {
        "indicator": code,
        "label": indicator.label,
        "unit": indicator.unit,
        "months": [f"{i}月" for i in range(1, 13)],
        "actual": actual,
        "previous_year": previous,
        "schedule": [num(v) for v in f.schedule_months] if f.schedule_months else None,
    }


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


Grouped = list[tuple[int | None, int, str, int, Decimal]]


def _grouped_year(session: Session, source: Source, column: Any, value: Any, year: int) -> Grouped:
    """Rows of ``source`` in ``year`` by town, month (1–12) and ``column``: count, sum."""
    month = func.extract("month", source.when)
    stmt = (
        source.base(source.town, month, column, func.count(), func.sum(value))
        .where(source.when >= date(year, 1, 1), source.when < date(year + 1, 1, 1))
        .group_by(source.town, month, column)
    )
    return [
        (town, int(m), str(getattr(k, "value", k)), int(n), dec(v))
        for town, m, k, n, v in session.execute(stmt)
    ]


def _year_to_date(rows: Grouped, view: View) -> dict[str, tuple[int, Decimal]]:
    """Sum the grouped rows of the view's towns up to its month, by the grouping code."""
    out: dict[str, tuple[int, Decimal]] = {}
    for town, month, code, n, amount in rows:
        if month > view.month or not (view.covers(town) if town is not None else _all(view)):
            continue
        had_n, had_amount = out.get(code, (0, ZERO))
        out[code] = (had_n + n, had_amount + amount)
    return out


def _all(view: View) -> bool:
    """Whether rows without a town are in the view (the district's own total)."""
    return view.town_id is None and view.scope.district


BREAKDOWNS = {
    "type": (TechContract.contract_type, ContractType),
    "field": (TechContract.tech_field, TechField),
    "flow": (TechContract.flow, ContractFlow),
    "origin": (TechContract.origin, Origin),
}


def breakdown(session: Session, view: View, by: str) -> list[dict[str, Any]]:
    """Registered contracts of the year to date by type, field or flow: count and 成交额."""
    if by not in BREAKDOWNS:
        raise InvalidInput("分类应为 type、field、flow 或 origin", field="by")
    column, enum = BREAKDOWNS[by]
    source = REGISTRY["contracts"].source
    rows = cache.cached(
        session,
        ("breakdown", by, view.year),
        source_tables(source),
        lambda: _grouped_year(session, source, column, TechContract.amount_wan, view.year),
    )
    found = _year_to_date(rows, view)
    out = []
    for member in enum:
        n, amount = found.get(member.value, (0, ZERO))
        out.append({"code": member.value, "label": member.label, "count": n, "amount": num(amount)})
    return out


def origin_value(session: Session, view: View) -> list[dict[str, Any]]:
    """What each origin produced: agreements, registered contracts and their 成交额."""
    contracts = {row["code"]: row for row in breakdown(session, view, "origin")}
    a = CooperationAgreement
    # Every agreement by its origin (not only the indicator's enterprise–academic ones).
    every = dataclasses.replace(REGISTRY["agreements"].source, joins=(), where=(), extra=())
    rows = cache.cached(
        session,
        ("origin", view.year),
        source_tables(every),
        lambda: _grouped_year(session, every, a.origin, literal(1), view.year),
    )
    agreements = _year_to_date(rows, view)
    return [
        {
            "code": o.value,
            "label": o.label,
            "agreements": agreements.get(o.value, (0, ZERO))[0],
            "contracts": contracts[o.value]["count"],
            "amount": contracts[o.value]["amount"],
        }
        for o in Origin
    ]


def _paid_query(session: Session, year: int) -> Grouped:
    """Contracts with money received in ``year``, by town and the month of the first payment."""
    p = ContractPayment
    first = (
        select(p.contract_id, func.min(p.received_on).label("first"))
        .where(p.received_on >= date(year, 1, 1), p.received_on < date(year + 1, 1, 1))
        .group_by(p.contract_id)
        .subquery()
    )
    month = func.extract("month", first.c.first)
    stmt = (
        select(TechContract.town_id, month, func.count())
        .select_from(first)
        .join(TechContract, TechContract.id == first.c.contract_id)
        .group_by(TechContract.town_id, month)
    )
    return [(town, int(m), "paid", int(n), ZERO) for town, m, n in session.execute(stmt)]


def funnel(session: Session, view: View) -> list[dict[str, Any]]:
    """The year to date: needs posted → dockings → agreements → registered → money received."""
    steps: list[dict[str, Any]] = []
    for label, code in (
        ("发布需求", "needs_posted"),
        ("发起对接", "dockings"),
        ("签订合作协议", "agreements"),
        ("登记技术合同", "contracts"),
    ):
        if code == "dockings":
            found = _family(session, "dockings", [DOCKING_SOURCE], view.year)
            counts = _scoped(found.counts[0], view)
        else:
            counts = indicator_family(session, view, code)[1]
        total = sum(sum(months[12 : 12 + view.month]) for months in counts.values())
        steps.append({"code": code, "label": label, "count": total})
    rows = cache.cached(
        session,
        ("paid", view.year),
        {cache.table_of(ContractPayment), cache.table_of(TechContract)},
        lambda: _paid_query(session, view.year),
    )
    paid = _year_to_date(rows, view).get("paid", (0, ZERO))[0]
    steps.append({"code": "received", "label": "合同到账", "count": paid})
    return steps


# ---- data quality ---------------------------------------------------------------------

QUALITY = {
    "unregistered": "签订超过 60 天仍未登记的技术合同",
    "unpaid": "已登记但尚无到账记录的技术合同",
    "stale_needs": "90 天无任何进展的征集中需求",
}
QUALITY_TABLES = {
    "unregistered": {"tech_contracts"},
    "unpaid": {"tech_contracts", "contract_payments"},
    "stale_needs": {"needs", "dockings", "organizations"},
}


def _quality_stmt(check: str, view: View | None) -> tuple[Source, Select[Any]]:
    """The rows a check finds, in the view's scope (``None``: every town).

    The cut-off days are whole China-time days (a need untouched since before the start
    of the day 90 days ago), so a count read in the morning holds all day.
    """
    today = clock.local_today()
    c = TechContract
    stmt: Any
    if check == "unregistered":
        source = REGISTRY["contracts"].source
        stmt = select(c.id, c.name, c.signed_on, c.town_id, c.amount_wan).where(
            c.status.in_([ContractStatus.SIGNED.value, ContractStatus.SUBMITTED.value]),
            c.signed_on <= today - timedelta(days=60),
        )
    elif check == "unpaid":
        source = REGISTRY["contracts"].source
        paid = exists().where(ContractPayment.contract_id == c.id)
        stmt = select(c.id, c.name, c.registered_on, c.town_id, c.amount_wan).where(
            c.status.in_(REGISTERED), ~paid
        )
    elif check == "stale_needs":
        source = REGISTRY["needs_posted"].source
        cutoff = clock.day_bounds(today - timedelta(days=90))[0]
        touched = exists().where(Docking.need_id == Need.id, Docking.updated_at >= cutoff)
        stmt = (
            select(Need.id, Need.title, Need.updated_at, Organization.town_id, Need.budget_wan)
            .join(Organization, Organization.id == Need.org_id)
            .where(Need.status == NeedStatus.OPEN.value, Need.updated_at < cutoff, ~touched)
        )
        if view is None:
            return source, stmt
        if view.town_id is not None:
            return source, stmt.where(Organization.town_id == view.town_id)
        if not view.scope.district:
            return source, stmt.where(Organization.town_id == view.scope.town_id)
        return source, stmt
    else:
        raise InvalidInput("没有这项数据质量检查", field="check")
    return source, stmt if view is None else _in_view(source, stmt, view)


def _quality_by_town(session: Session, check: str) -> dict[int | None, int]:
    def compute() -> dict[int | None, int]:
        rows = _quality_stmt(check, None)[1].subquery()
        town = rows.c[list(rows.c.keys())[3]]
        stmt = select(town, func.count()).select_from(rows).group_by(town)
        return {t: int(n) for t, n in session.execute(stmt)}

    return cache.cached(
        session, ("quality", check, clock.local_today()), QUALITY_TABLES[check], compute
    )


def quality_count(session: Session, view: View, check: str) -> int:
    return sum(_scoped(_quality_by_town(session, check), view).values())


def quality(session: Session, view: View) -> list[dict[str, Any]]:
    return [
        {"check": check, "label": label, "count": quality_count(session, view, check)}
        for check, label in QUALITY.items()
    ]


# ---- drill-down ------------------------------------------------------------------------


@dataclass
class Records:
    title: str
    kind: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "columns": self.columns,
            "items": self.rows,
            "total": self.total,
            "page": self.page,
            "page_size": self.size,
            "pages": self.pages,
        }


def _show_date(value: Any) -> str:
    if isinstance(value, datetime):
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, date) else ""


def records(
    session: Session,
    view: View,
    code: str,
    *,
    period: str = "ytd",
    page: int = 1,
    size: int = 20,
) -> Records:
    """The rows behind a figure: ``period`` month (the view's month) or ytd (the year to it)."""
    page, size = max(1, page), max(1, min(size, 100))
    names = town_names(session)
    if code in QUALITY:
        source, stmt = _quality_stmt(code, view)
        title, extra_labels = QUALITY[code], []
    else:
        if code not in REGISTRY:
            raise InvalidInput(f"没有“{code}”这个指标", field="indicator")
        if period not in ("month", "ytd"):
            raise InvalidInput("期间应为 month（本月）或 ytd（累计）", field="period")
        indicator = REGISTRY[code]
        source = indicator.source
        first: Any
        if source.timestamp:
            first = clock.month_bounds(view.year, 1 if period == "ytd" else view.month)[0]
            end: Any = clock.month_bounds(view.year, view.month)[1]
        else:
            first = date(view.year, 1 if period == "ytd" else view.month, 1)
            end = _month_end(view.year, view.month)
        value = source.value if not _is_count(source) else None
        columns = [source.id, source.name, source.when, source.town]
        columns.append(value if value is not None else source.id)
        columns += [expr for _label, expr in source.extra]
        columns.append(source.link)
        stmt = source.base(*columns).where(source.when >= first, source.when < end)
        stmt = _in_view(source, stmt, view)
        when = "本月" if period == "month" else f"1–{view.month}月"
        title = f"{view.year}年{when} · {indicator.label}"
        extra_labels = [label for label, _ in source.extra]
    total = _records_total(session, view, code, period)
    found = session.execute(
        stmt.order_by(stmt.selected_columns[2].desc(), stmt.selected_columns[0].desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    rows = []
    money = source.kind in ("contracts", "payments") and (code in QUALITY or not _is_count(source))
    for row in found:
        # The link id follows the extra columns (the quality checks have none: their id).
        link = row[5 + len(extra_labels)] if len(row) > 5 + len(extra_labels) else row[0]
        item = {
            "id": row[0],
            "name": row[1],
            "date": _show_date(row[2]),
            "town": names.get(row[3], "") if row[3] is not None else "",
            "amount": num(dec(row[4])) if money or code in ("unregistered", "unpaid") else None,
            "extra": [str(v if v is not None else "") for v in row[5 : 5 + len(extra_labels)]],
            "url": source.url.format(link) if source.url else None,
        }
        rows.append(item)
    kind = "needs" if code == "stale_needs" else source.kind
    return Records(title, kind, extra_labels, rows, int(total), page, size)


def _records_total(session: Session, view: View, code: str, period: str) -> int:
    """How many rows ``records`` pages through: the figure's own (cached) row count."""
    if code in QUALITY:
        return quality_count(session, view, code)
    counts = indicator_family(session, view, code)[1]
    first = 12 + (0 if period == "ytd" else view.month - 1)
    return sum(sum(months[first : 12 + view.month]) for months in counts.values())


def data_as_of() -> str:
    """数据截至: the moment the figures were read, China time."""
    return clock.local_now().strftime("%Y-%m-%d %H:%M")
