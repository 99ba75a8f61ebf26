"""The weekly digest, 科技成果直通车: what is new for each user since the last one.

A company hears of the new achievements and experts above the relevance line for
each of its open needs (with the match's reason sentence); a university or an expert,
of the new needs its achievements or profile fit; town staff, of their town's week
(new needs, dockings left unanswered, events coming). An empty digest is no email.

The digest of ISO week ``W`` covers W's Monday 00:00 to the next Monday 00:00, local
time; the job sends it on the following Monday morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.enums import DockingStatus, Kind, NeedStatus, Role
from matchmaking.matching import relevance
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Achievement, Docking, Event, Need, Organization, User
from matchmaking.outbound.kinds import Category
from matchmaking.outbound.render import SUBJECT_PREFIX, Content, Item, Section

PER_SOURCE = 5
# Recommendations looked at per need before keeping the new ones.
POOL = 40
MAX_SOURCES = 10
STALLED_DAYS = 7
OPEN_NEEDS = (NeedStatus.OPEN, NeedStatus.IN_DOCKING)


@dataclass(frozen=True)
class Week:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W49`` (ISO week)."""
        raw = text.strip().upper()
        year, _, rest = raw.partition("-W")
        if not (year.isdigit() and rest.isdigit() and len(year) == 4 and len(rest) <= 2):
            raise ValueError(f"周应写作 YYYY-Www（如 2026-W49），而不是“{text[:20]}”")
        week = cls(int(year), int(rest))
        try:
            week.monday()
        except ValueError as exc:
            raise ValueError(f"{year} 年没有第 {int(rest)} 周") from exc
        return week

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def current(cls) -> Week:
        return cls.of(clock.local_today())

    @classmethod
    def previous(cls) -> Week:
        return cls.of(clock.local_today() - timedelta(days=7))

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self) -> tuple[datetime, datetime]:
        start, _ = clock.day_bounds(self.monday())
        _, end = clock.day_bounds(self.monday() + timedelta(days=6))
        return start, end

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        first = self.monday()
        last = first + timedelta(days=6)
        return f"{first.month}月{first.day}日—{last.month}月{last.day}日"


def _within(value: datetime | None, start: datetime, end: datetime) -> bool:
    if value is None:
        return False
    aware = clock.to_local(value)
    return start <= aware < end


def _need_item(need: Need, lines: list[str]) -> Item:
    return Item(title=f"需求：{need.title}", lines=lines, path=f"/needs/{need.id}")


def _match_item(m: matching.Match, kind: Kind) -> Item:
    item = m.item
    if kind is Kind.ACHIEVEMENTS:
        title, path = f"成果：{item.title}", f"/achievements/{item.id}"
    else:
        title, path = f"专家：{item.name}", f"/experts/{item.id}"
    lines = [f"匹配度 {relevance.percent(m.relevance)}"]
    if m.reason:
        lines.append(f"推荐理由：{m.reason}")
    return Item(title=title, lines=lines, path=path)


def _company(session: Session, manager: IndexManager, user: User, week: Week) -> list[Section]:
    start, end = week.bounds()
    needs = list(
        session.scalars(
            select(Need)
            .where(
                Need.org_id == user.org_id,
                Need.status.in_([NeedStatus.OPEN, NeedStatus.IN_DOCKING]),
            )
            .order_by(Need.id)
            .limit(MAX_SOURCES)
        )
    )
    sections = []
    for need in needs:
        items: list[Item] = []
        for kind in (Kind.ACHIEVEMENTS, Kind.EXPERTS):
            found = matching.recommend(
                session,
                manager,
                source_kind=Kind.NEEDS,
                source_id=need.id,
                target_kind=kind,
                limit=POOL,
            )
            fresh = [m for m in found if _within(m.item.created_at, start, end)]
            items += [_match_item(m, kind) for m in fresh[:PER_SOURCE]]
        if items:
            sections.append(
                Section(heading=f"与您的需求“{need.title}”相关的新成果和专家", items=items)
            )
    return sections


def _fitting_needs(
    session: Session,
    manager: IndexManager,
    kind: Kind,
    source_ids: list[int],
    heading: str,
    week: Week,
) -> list[Section]:
    start, end = week.bounds()
    seen: set[int] = set()
    items: list[Item] = []
    for source_id in source_ids[:MAX_SOURCES]:
        for m in matching.recommend(
            session,
            manager,
            source_kind=kind,
            source_id=source_id,
            target_kind=Kind.NEEDS,
            limit=POOL,
        ):
            if m.item.id in seen or not _within(m.item.created_at, start, end):
                continue
            seen.add(m.item.id)
            lines = [f"匹配度 {relevance.percent(m.relevance)}"] + (
                [f"推荐理由：{m.reason}"] if m.reason else []
            )
            items.append(_need_item(m.item, lines))
    items = items[: PER_SOURCE * 2]
    return [Section(heading=heading, items=items)] if items else []


def _university(session: Session, manager: IndexManager, user: User, week: Week) -> list[Section]:
    ids = list(
        session.scalars(
            select(Achievement.id).where(Achievement.org_id == user.org_id).order_by(Achievement.id)
        )
    )
    return _fitting_needs(
        session, manager, Kind.ACHIEVEMENTS, ids, "与贵单位科技成果相符的新需求", week
    )


def _expert(session: Session, manager: IndexManager, user: User, week: Week) -> list[Section]:
    if user.expert_id is None:
        return []
    return _fitting_needs(
        session, manager, Kind.EXPERTS, [user.expert_id], "与您的专长相符的新需求", week
    )


def _staff(session: Session, user: User, week: Week) -> list[Section]:
    start, end = week.bounds()
    town_filter = [Organization.town_id == user.town_id] if user.town_id is not None else []
    new_needs = session.scalars(
        select(Need)
        .join(Organization, Organization.id == Need.org_id)
        .where(Need.created_at >= start, Need.created_at < end, *town_filter)
        .order_by(Need.id)
        .limit(20)
    ).all()
    sections = []
    if new_needs:
        sections.append(
            Section(
                heading=f"本周新发布的技术需求（{len(new_needs)} 项）",
                items=[_need_item(n, []) for n in new_needs],
            )
        )
    stalled_before = end - timedelta(days=STALLED_DAYS)
    stalled = session.execute(
        select(Docking, Need)
        .join(Need, Need.id == Docking.need_id)
        .join(Organization, Organization.id == Need.org_id)
        .where(
            Docking.status == DockingStatus.REQUESTED,
            Docking.created_at < stalled_before,
            *town_filter,
        )
        .order_by(Docking.created_at)
        .limit(20)
    ).all()
    if stalled:
        sections.append(
            Section(
                heading=f"超过 {STALLED_DAYS} 天未答复的对接申请（{len(stalled)} 个）",
                items=[
                    Item(
                        title=f"需求“{need.title}”的对接申请",
                        lines=[f"申请于 {clock.local_date(d.created_at):%Y-%m-%d}，请督促对方答复"],
                        path=f"/dockings/{d.id}",
                    )
                    for d, need in stalled
                ],
            )
        )
    today = clock.local_today()
    event_filter = [Event.town_id == user.town_id] if user.town_id is not None else []
    events = session.scalars(
        select(Event)
        .where(Event.held_on >= today, Event.held_on <= today + timedelta(days=14), *event_filter)
        .order_by(Event.held_on)
        .limit(10)
    ).all()
    if events:
        sections.append(
            Section(
                heading="未来两周的活动",
                items=[
                    Item(
                        title=e.title,
                        lines=[f"{e.held_on:%Y-%m-%d}" + (f"，{e.venue}" if e.venue else "")],
                        path=f"/events/{e.id}",
                    )
                    for e in events
                ],
            )
        )
    return sections


def build(session: Session, manager: IndexManager, user: User, week: Week) -> Content | None:
    """The digest ``user`` gets for ``week``; None when there is nothing to say."""
    if user.role is Role.ENTERPRISE and user.org_id is not None:
        sections = _company(session, manager, user, week)
        intro = "本周平台新增了与您的技术需求相关的科技成果和专家，按匹配度排列："
    elif user.role is Role.UNIVERSITY and user.org_id is not None:
        sections = _university(session, manager, user, week)
        intro = "本周平台新发布了与贵单位成果相符的企业技术需求："
    elif user.role is Role.EXPERT:
        sections = _expert(session, manager, user, week)
        intro = "本周平台新发布了与您的专长相符的企业技术需求："
    elif user.role in (Role.STAFF, Role.ADMIN):
        sections = _staff(session, user, week)
        scope = user.town or "全区"
        intro = f"{scope}本周的产学研对接动态："
    else:
        return None
    if not sections:
        return None
    return Content(
        subject=f"{SUBJECT_PREFIX}科技成果直通车 · {week.label}",
        heading=f"科技成果直通车（{week.label}）",
        category=Category.DIGEST,
        greeting=f"{user.display_name or user.username}，您好：",
        paragraphs=[intro],
        sections=sections,
    )
