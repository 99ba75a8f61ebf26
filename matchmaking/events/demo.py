"""Demo events: two past events (registrations, a published schedule, check-ins, outcomes,
some follow-ups that became dockings) and one open for registration, with enough
participants and wishes that running the scheduler shows a real schedule; and the
history the KPI dashboard counts (开展对接活动, 参会单位): one to three held events a month
since January of last year, in the towns, with their registered organizations (rows
only: no schedule, a few hundred inserts).

Loaded by ``matchmaking.demo.load`` after the vectors (the candidates come from them);
idempotent: events whose title exists are left alone.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.accounts.service import principal_for
from matchmaking.docking import service as docking
from matchmaking.enums import (
    OPEN_NEED_STATUSES,
    EventAction,
    EventKind,
    EventStatus,
    IndustryField,
    ItemStatus,
    MeetingOutcome,
    Origin,
    RegistrationStatus,
    WishLevel,
)
from matchmaking.events import repository, scheduling
from matchmaking.events import service as events
from matchmaking.events.schemas import EventCreate, SessionCreate
from matchmaking.events.scoring import fits
from matchmaking.exceptions import MatchmakingError
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import (
    Achievement,
    Event,
    Expert,
    Need,
    Organization,
    Registration,
    ScheduledMeeting,
    Town,
    User,
    Wish,
)

# (title, industry, days from today, theme, demo accounts' organizations join)
EVENTS = (
    ("新材料产业产学研专场对接会", "new_materials", -45, "碳纤维、气凝胶、高温合金、复合材料"),
    ("船舶海工装备产学研对接会", "ship_offshore", -18, "船舶焊接、海工装备防腐、智能船舶"),
    (
        "氢能与新型储能产学研专场对接会",
        "hydrogen_storage",
        16,
        "燃料电池双极板、电解水制氢、储氢材料",
    ),
)


def _enrol(
    session: Session, event: Event, org: Organization | None, expert: Expert | None
) -> Registration:
    if expert is not None:
        key, side, org_id, name = f"expert:{expert.id}", "expert", expert.org_id, expert.name
    else:
        assert org is not None
        key, side, org_id, name = f"org:{org.id}", str(org.kind), org.id, org.name
    found = repository.registration(session, event.id, key)
    if found is not None:
        return found
    reg = Registration(
        event_id=event.id,
        participant=key,
        org_id=org_id,
        expert_id=expert.id if expert else None,
        side=side,
        name=name,
        status=RegistrationStatus.REGISTERED,
        invited=side == "enterprise",
        checkin_token=secrets.token_urlsafe(32),
        need_ids=[],
        achievement_ids=[],
        unavailable_slot_ids=[],
        min_meetings=1,
        max_meetings=4,
    )
    session.add(reg)
    session.flush()
    return reg


def _participants(
    session: Session, field: str, rng: random.Random
) -> list[tuple[Organization | None, Expert | None]]:
    companies = session.scalars(
        select(Organization)
        .join(Need, Need.org_id == Organization.id)
        .where(Need.industry_field == field, Need.status.in_(OPEN_NEED_STATUSES))
        .distinct()
        .order_by(Organization.id)
    ).all()
    schools = session.scalars(
        select(Organization)
        .join(Achievement, Achievement.org_id == Organization.id)
        .where(Achievement.industry_field == field, Achievement.status == ItemStatus.ACTIVE)
        .distinct()
        .order_by(Organization.id)
        .limit(8)
    ).all()
    experts = [
        e
        for e in session.scalars(
            select(Expert).where(Expert.status == ItemStatus.ACTIVE).order_by(Expert.id)
        )
        if field in e.fields.split(";")
    ][:4]
    out: list[tuple[Organization | None, Expert | None]] = [(o, None) for o in companies[:14]]
    out += [(o, None) for o in schools]
    out += [(None, e) for e in experts]
    return out


def _wishes(session: Session, manager: IndexManager, event: Event, rng: random.Random) -> None:
    regs = repository.registrations(session, event.id)
    scored = fits(session, manager, regs)
    for pair, fit in sorted(scored.items(), key=lambda x: -x[1].score)[: len(regs)]:
        a, b = sorted(pair)
        level = WishLevel.MUST if fit.score > 0.85 and rng.random() < 0.5 else WishLevel.WANT
        if repository.wish(session, a, b) is None:
            session.add(Wish(event_id=event.id, from_id=a, to_id=b, level=level))
            if rng.random() < 0.5 and repository.wish(session, b, a) is None:
                session.add(Wish(event_id=event.id, from_id=b, to_id=a, level=WishLevel.WANT))
    session.flush()


def load(factory: sessionmaker[Session], manager: IndexManager) -> int:
    """Create the demo events; returns how many were made."""
    rng = random.Random(2026)
    made = 0
    # Before any write transaction: the fits read the indexes, built here on first use.
    pairs.ready(manager)
    today = clock.local_today()
    with factory() as session:
        staff_user = session.scalars(select(User).where(User.username == "staff")).first()
        if staff_user is None:
            return 0
        staff: Principal = principal_for(staff_user)
        for title, field, days, theme in EVENTS:
            if session.scalars(select(Event.id).where(Event.title == title)).first():
                continue
            held_on = today + timedelta(days=days)
            event = events.create(
                session,
                staff,
                EventCreate(
                    title=title,
                    kind=EventKind.BY_INDUSTRY,
                    industry_field=IndustryField(field),
                    theme=theme,
                    held_on=held_on,
                    venue="海门区科创中心一楼报告厅",
                    organiser="海门区科学技术局",
                    registration_opens=min(today, held_on) - timedelta(days=20),
                    registration_closes=held_on - timedelta(days=2),
                    capacity=60,
                ),
            )
            events.add_session(
                session,
                staff,
                event.id,
                SessionCreate(
                    start=time(9, 0), meeting_minutes=20, break_minutes=5, meetings=6, tables=8
                ),
            )
            events.move(session, staff, event.id, EventAction.OPEN)
            for org, expert in _participants(session, field, rng):
                _enrol(session, event, org, expert)
            _wishes(session, manager, event, rng)
            session.commit()
            made += 1
            if days > 0:
                continue
            # A past event: scheduled, published, held, with check-ins and outcomes.
            events.move(session, staff, event.id, EventAction.CLOSE)
            run = scheduling.start_run(session, staff, event.id)
            session.commit()
            scheduling.execute(factory, manager, run.id, time_limit_s=5)
            session.expire_all()
            scheduling.publish(session, staff, run.id)
            events.move(session, staff, event.id, EventAction.HOLD)
            for reg in repository.registrations(session, event.id):
                if rng.random() < 0.9:
                    reg.checked_in_at = clock.now() + timedelta(days=days)
            _outcomes(session, manager, staff, event, run.id, rng)
            session.commit()
        made += _history(session, staff_user, today, rng)
        session.commit()
    return made


# The history's theme line (and only its): how a second load knows it is there.
HISTORY_THEME = "领域企业技术需求与高校院所科技成果对接"
# (kind, title pattern): {town} the host town or 全区, {field} an industry, {org} a university.
HISTORY_KINDS = (
    (EventKind.BY_INDUSTRY, "{town}{field}产业产学研对接会"),
    (EventKind.BY_UNIVERSITY, "{org}科技成果{town}专场对接会"),
    (EventKind.ROADSHOW, "{field}科技成果路演"),
    (EventKind.LAUNCH, "{town}{field}科技成果发布会"),
)


def _history(session: Session, staff: User, today: date, rng: random.Random) -> int:
    """Held events of the months before this one (once: nothing when there are some)."""
    if session.scalar(select(Event.id).where(Event.theme.endswith(HISTORY_THEME)).limit(1)):
        return 0
    towns = list(session.scalars(select(Town).where(Town.is_active.is_(True)).order_by(Town.id)))
    companies: dict[int | None, list[Organization]] = {}
    for org in session.scalars(
        select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)
    ):
        companies.setdefault(org.town_id, []).append(org)
    schools = list(
        session.scalars(
            select(Organization)
            .where(Organization.kind.in_(("university", "institute")))
            .order_by(Organization.id)
        )
    )
    everyone = [o for orgs in companies.values() for o in orgs]
    if not towns or not schools or not everyone:
        return 0
    fields = list(IndustryField)
    made = 0
    year, month = today.year - 1, 1
    while (year, month) < (today.year, today.month):
        for _ in range(rng.choice((1, 2, 2, 2, 3))):
            # About one in six is a district event without a host town.
            town = None if rng.random() < 0.16 else rng.choice(towns)
            kind, pattern = rng.choice(HISTORY_KINDS)
            guest = rng.choice(schools)
            field = rng.choice(fields)
            title = pattern.format(
                town=town.name if town else "海门区", field=field.label, org=guest.name
            )
            held_on = date(year, month, rng.randint(3, 27))
            event = Event(
                title=f"{year}年{month}月{title}",
                kind=kind,
                industry_field=field.value,
                theme=f"{field.label}{HISTORY_THEME}",
                guest_org_id=guest.id if kind is EventKind.BY_UNIVERSITY else None,
                held_on=held_on,
                venue=f"{town.name}便民服务中心会议室" if town else "海门区科创中心一楼报告厅",
                town_id=town.id if town else None,
                organiser="海门区科学技术局" if town is None else f"{town.name}科技办",
                registration_opens=held_on - timedelta(days=25),
                registration_closes=held_on - timedelta(days=3),
                capacity=60,
                # Held; those of last year archived since.
                status=EventStatus.ARCHIVED if year < today.year else EventStatus.HELD,
                created_by=staff.id,
            )
            session.add(event)
            session.flush()
            local = companies.get(town.id if town else None) or everyone
            chosen = rng.sample(local, min(len(local), rng.randint(4, 9)))
            chosen += rng.sample(schools, min(len(schools), rng.randint(2, 4)))
            if guest not in chosen:
                chosen.append(guest)
            # Checked in at 09:30 China time (stored in UTC).
            checked_in = datetime.combine(held_on, time(9, 30), clock.zone()).astimezone(UTC)
            for org in chosen:
                cancelled = rng.random() < 0.08
                session.add(
                    Registration(
                        event_id=event.id,
                        participant=f"org:{org.id}",
                        org_id=org.id,
                        side=str(org.kind),
                        name=org.name,
                        status=RegistrationStatus.CANCELLED
                        if cancelled
                        else RegistrationStatus.REGISTERED,
                        invited=org.kind == "enterprise",
                        checkin_token=secrets.token_urlsafe(32),
                        checked_in_at=None if cancelled or rng.random() < 0.1 else checked_in,
                        need_ids=[],
                        achievement_ids=[],
                        unavailable_slot_ids=[],
                    )
                )
            made += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    session.flush()
    return made


def _outcomes(
    session: Session,
    manager: IndexManager,
    staff: Principal,
    event: Event,
    run_id: int,
    rng: random.Random,
) -> None:
    regs = {r.id: r for r in repository.registrations(session, event.id)}
    choices = [
        MeetingOutcome.HELD,
        MeetingOutcome.INTENT,
        MeetingOutcome.FOLLOW_UP,
        MeetingOutcome.NO_SHOW,
    ]
    for m in session.scalars(select(ScheduledMeeting).where(ScheduledMeeting.run_id == run_id)):
        if regs[m.a_id].checked_in_at is None or regs[m.b_id].checked_in_at is None:
            m.outcome_a = m.outcome_b = MeetingOutcome.NO_SHOW
            continue
        m.outcome_a = rng.choices(choices, weights=[5, 2, 2, 1])[0]
        m.outcome_b = rng.choices(choices, weights=[5, 2, 2, 1])[0]
        if MeetingOutcome.FOLLOW_UP not in (m.outcome_a, m.outcome_b):
            continue
        pair = [regs[m.a_id], regs[m.b_id]]
        fit = fits(session, manager, pair).get(frozenset((m.a_id, m.b_id)))
        if fit is None or fit.need_id is None or fit.offer_id is None:
            continue
        try:
            with session.begin_nested():
                made = docking.request(
                    session,
                    staff,
                    need_id=fit.need_id,
                    target_kind=fit.offer_kind,
                    target_id=fit.offer_id,
                    message=f"来自“{event.title}”的洽谈，双方希望进一步对接",
                    score=fit.score,
                    origin=Origin.EVENT,
                )
                m.docking_id = made.id
        except MatchmakingError:
            continue  # the pair was already docking
    session.flush()
