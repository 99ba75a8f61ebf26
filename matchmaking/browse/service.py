"""The search page's query and the home page's overview (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matchmaking import clock
from matchmaking.common.filters import ItemFilters
from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import CooperationMode, IndustryField, Kind, LabelledEnum, Maturity
from matchmaking.exceptions import InvalidInput
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import Event, Expert, Organization
from matchmaking.towns import repository as towns

PAGE_SIZE = 10
# A query ranks at most this many hits (the calibrated search's own limit).
MAX_HITS = matching.MAX_LIMIT
MAX_QUERY = 200
Sort = Literal["relevance", "newest"]
SORTS: dict[str, str] = {"relevance": "按相关度", "newest": "最新发布"}
# Which filters apply to which kind (the others are refused with a Chinese message).
MATURITY_KINDS = (Kind.ACHIEVEMENTS,)
MODE_KINDS = (Kind.ACHIEVEMENTS, Kind.NEEDS)


@dataclass(frozen=True)
class Params:
    """The search page's parameters, checked; ``""`` means "any"."""

    q: str = ""
    kind: Kind = Kind.ACHIEVEMENTS
    industry: str = ""
    town: str = ""
    maturity: str = ""
    mode: str = ""
    sort: Sort = "relevance"
    page: int = 1

    def filters(self) -> ItemFilters:
        return ItemFilters(
            industry_field=self.industry or None,
            town=self.town or None,
            maturity=self.maturity or None,
            cooperation_mode=self.mode or None,
        )

    def query_string(self, **changes: Any) -> dict[str, str]:
        """The parameters that differ from the defaults (for links), page left out."""
        values = {
            "q": self.q,
            "kind": self.kind.value,
            "industry": self.industry,
            "town": self.town,
            "maturity": self.maturity,
            "mode": self.mode,
            "sort": "" if self.sort == "relevance" else self.sort,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


def _clean(text: str) -> str:
    """A parameter without control characters and surrounding blanks."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()


def _enum(enum: type[LabelledEnum], raw: str, what: str) -> str:
    text = _clean(raw)
    if not text:
        return ""
    try:
        return enum.parse(text).value
    except ValueError:
        allowed = "、".join(m.label for m in enum)
        raise InvalidInput(f"{what}“{text[:40]}”不存在，可选：{allowed}", field=what) from None


def parse(
    session: Session,
    *,
    q: str = "",
    kind: str = "",
    industry: str = "",
    town: str = "",
    maturity: str = "",
    mode: str = "",
    sort: str = "",
    page: int = 1,
) -> Params:
    """The page's parameters, checked: a value that is not one of the choices is refused
    with a Chinese message (``InvalidInput``); blanks mean "any"."""
    kind_value = _enum(Kind, kind, "类型") or Kind.ACHIEVEMENTS.value
    k = Kind(kind_value)
    maturity_value = _enum(Maturity, maturity, "成熟度")
    mode_value = _enum(CooperationMode, mode, "合作方式")
    if maturity_value and k not in MATURITY_KINDS:
        raise InvalidInput(f"“成熟度”只适用于科技成果，不适用于{k.label}", field="maturity")
    if mode_value and k not in MODE_KINDS:
        raise InvalidInput(f"“合作方式”不适用于{k.label}", field="mode")
    town_name = _clean(town)[:64]
    if town_name and towns.by_name(session, town_name) is None:
        raise InvalidInput(f"区镇“{town_name[:40]}”不存在", field="town")
    sort_value = _clean(sort) or "relevance"
    if sort_value not in SORTS:
        raise InvalidInput("排序方式应为“按相关度”或“最新发布”", field="sort")
    return Params(
        q=_clean(q)[:MAX_QUERY],
        kind=k,
        industry=_enum(IndustryField, industry, "行业领域"),
        town=town_name,
        maturity=maturity_value,
        mode=mode_value,
        sort=sort_value,  # type: ignore[arg-type]
        page=max(1, page),
    )


@dataclass
class Result:
    """One page of the search page: matches (a query) or items (browsing)."""

    params: Params
    page: Page[Any]  # of matching.Match (a query) or of rows (browsing)
    ranked: bool  # a query: the items are Match objects with relevance and reason

    @property
    def total(self) -> int:
        return self.page.total


def search(session: Session, manager: IndexManager, params: Params) -> Result:
    """A query: the calibrated search (filtered, above the line) ranked by relevance or
    newest first; no query: the published items that pass the filters, newest first."""
    filters = params.filters()
    if params.q:
        matches = matching.search(
            session, manager, q=params.q, kind=params.kind, limit=MAX_HITS, filters=filters
        )
        if params.sort == "newest":
            matches.sort(key=lambda m: (m.item.created_at, m.item.id), reverse=True)
        number = min(params.page, max(1, -(-len(matches) // PAGE_SIZE)))
        start = (number - 1) * PAGE_SIZE
        page = Page(matches[start : start + PAGE_SIZE], len(matches), number, PAGE_SIZE)
        return Result(params, page, ranked=True)
    day = clock.local_today()
    found = newest(session, params.kind, filters, params.page, PAGE_SIZE, day)
    if not found.items and found.pages and params.page > found.pages:
        # A page past the end (an old link): the last page.
        found = newest(session, params.kind, filters, found.pages, PAGE_SIZE, day)
    return Result(params, found, ranked=False)


def newest(
    session: Session, kind: Kind, filters: ItemFilters, page: int, size: int, day: date
) -> Page[Any]:
    """A page of the published items of ``kind`` that pass ``filters``, newest first
    (by when they were published: imported history keeps its own dates)."""
    repo = SERVICES[kind].repo
    model = repo.model
    stmt = (
        select(model)
        .where(repo.active_clause(day), *repo.filter_clauses(filters))
        .options(selectinload(model.org))
        .order_by(model.created_at.desc(), model.id.desc())
    )
    return paginate(session, stmt, page, size)


# -- the home page -----------------------------------------------------------------------
@dataclass
class Facet:
    """One way in: a label, its value in the search page's link, and counts per kind."""

    label: str
    value: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Overview:
    industries: list[Facet]
    towns: list[Facet]
    latest_needs: list[Any]
    latest_achievements: list[Any]
    upcoming_events: list[Event]


BROWSED = (Kind.NEEDS, Kind.ACHIEVEMENTS, Kind.EXPERTS)
LATEST = 5
UPCOMING = 5


def _industry_counts(session: Session, kind: Kind, day: date) -> dict[str, int]:
    repo = SERVICES[kind].repo
    active = repo.active_clause(day)
    if kind is Kind.EXPERTS:
        # An expert has several fields (";"-separated): counted under each of them.
        out: dict[str, int] = {}
        for fields in session.scalars(select(Expert.fields).where(active)):
            for code in {f.strip() for f in (fields or "").split(";") if f.strip()}:
                out[code] = out.get(code, 0) + 1
        return out
    model = repo.model
    rows = session.execute(
        select(model.industry_field, func.count()).where(active).group_by(model.industry_field)
    )
    return {str(code): int(n) for code, n in rows}


def _town_counts(session: Session, kind: Kind, day: date) -> dict[int, int]:
    repo = SERVICES[kind].repo
    model = repo.model
    rows = session.execute(
        select(Organization.town_id, func.count())
        .select_from(model)
        .join(Organization, Organization.id == model.org_id)
        .where(repo.active_clause(day), Organization.town_id.is_not(None))
        .group_by(Organization.town_id)
    )
    return {int(t): int(n) for t, n in rows if t is not None}


def overview(session: Session) -> Overview:
    """What the home page shows: ways in by industry and by town (with how many published
    items each has), the latest needs and achievements, and the upcoming events."""
    day = clock.local_today()
    industries = [Facet(f.label, f.value) for f in IndustryField]
    by_code = {f.value: f for f in industries}
    town_rows = towns.ordered(session, active_only=True)
    town_facets = {t.id: Facet(t.name, t.name) for t in town_rows}
    for kind in BROWSED:
        for code, n in _industry_counts(session, kind, day).items():
            if code in by_code:
                by_code[code].counts[kind.value] = n
        for town_id, n in _town_counts(session, kind, day).items():
            if town_id in town_facets:
                town_facets[town_id].counts[kind.value] = n
    latest = {
        kind: newest(session, kind, ItemFilters(), 1, LATEST, day).items
        for kind in (Kind.NEEDS, Kind.ACHIEVEMENTS)
    }
    return Overview(
        industries=[f for f in industries if f.total],
        towns=[f for f in town_facets.values() if f.total],
        latest_needs=latest[Kind.NEEDS],
        latest_achievements=latest[Kind.ACHIEVEMENTS],
        upcoming_events=upcoming_events(session, day),
    )


def upcoming_events(session: Session, day: date, limit: int = UPCOMING) -> list[Event]:
    """Published events (报名中 or 报名截止) held today or later (China's date), soonest first."""
    from matchmaking.events.service import PUBLIC

    held = [s for s in PUBLIC if s.value != "held"]
    stmt = (
        select(Event)
        .where(Event.status.in_(held), Event.held_on >= day)
        .order_by(Event.held_on, Event.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
