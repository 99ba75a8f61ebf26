"""Events: create and move them, their sessions and slots, invitations from matching,
registrations within the window and capacity, and 必见/想见/不见 wishes.

Staff act within their town scope (``Principal.scope`` over ``events.town_id``);
participants (organizations and experts) see open events and act for themselves.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts import repository as accounts_repository
from matchmaking.accounts.permissions import Principal, require_login, require_staff
from matchmaking.common.pagination import Page
from matchmaking.common.transitions import StateMachine, Transition
from matchmaking.enums import (
    OPEN_NEED_STATUSES,
    EventAction,
    EventStatus,
    ItemStatus,
    Kind,
    NotificationKind,
    RegistrationStatus,
    Role,
    WishLevel,
)
from matchmaking.events import repository
from matchmaking.events.schemas import EventCreate, RegistrationInput, SessionCreate
from matchmaking.events.scoring import Fit, fits
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching import pairs
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import (
    Achievement,
    Event,
    EventSession,
    EventSlot,
    Expert,
    Need,
    Organization,
    Registration,
    Wish,
)
from matchmaking.notifications.service import notify
from matchmaking.towns import service as towns

E = EventStatus
TRANSITIONS: dict[tuple[EventStatus, EventAction], EventStatus] = {
    (E.DRAFT, EventAction.OPEN): E.OPEN,
    (E.OPEN, EventAction.CLOSE): E.CLOSED,
    (E.CLOSED, EventAction.REOPEN): E.OPEN,
    (E.CLOSED, EventAction.HOLD): E.HELD,
    (E.HELD, EventAction.ARCHIVE): E.ARCHIVED,
}
ACTION_VERB = {
    EventAction.OPEN: "开放报名",
    EventAction.CLOSE: "截止报名",
    EventAction.REOPEN: "重新开放报名",
    EventAction.HOLD: "标记为已举办",
    EventAction.ARCHIVE: "归档",
}
MACHINE = StateMachine(Event, TRANSITIONS, noun="活动", verbs=ACTION_VERB)
# Statuses in which participants see an event.
PUBLIC = (E.OPEN, E.CLOSED, E.HELD)
SIDE_OF_KIND = {"enterprise": "enterprise", "university": "university", "institute": "institute"}


# -- who -------------------------------------------------------------------------------
def participant_key(session: Session, p: Principal) -> tuple[str, int | None, int | None, str, str]:
    """(key, org id, expert id, side, name) of the participant this user speaks for."""
    require_login(p)
    if p.role is Role.EXPERT and p.expert_id is not None:
        expert = session.get(Expert, p.expert_id)
        if expert is None:
            raise NotFound("您的专家信息不存在")
        # The expert's institution: no meetings within one organization.
        return f"expert:{expert.id}", expert.org_id, expert.id, "expert", expert.name
    if p.role in (Role.ENTERPRISE, Role.UNIVERSITY) and p.org_id is not None:
        org = session.get(Organization, p.org_id)
        if org is None:
            raise NotFound("您的单位不存在")
        side = SIDE_OF_KIND.get(org.kind)
        if side is None:
            raise Forbidden("只有企业、高校、科研院所和专家可以报名参加对接会")
        return f"org:{org.id}", org.id, None, side, org.name
    raise Forbidden("只有企业、高校、科研院所和专家可以报名参加对接会")


def _staff_event(session: Session, p: Principal, event_id: int) -> Event:
    require_staff(p)
    event = repository.get(session, event_id)
    if event is None:
        raise NotFound(f"活动 {event_id} 不存在")
    if not p.scope.covers(event.town_id):
        raise Forbidden(f"该活动不在您负责的区镇（{p.scope.town}）范围内")
    return event


def get_visible(session: Session, p: Principal, event_id: int) -> Event:
    """An event: staff in scope see every status, participants the open and past ones."""
    require_login(p)
    event = repository.get(session, event_id)
    if event is None:
        raise NotFound(f"活动 {event_id} 不存在")
    if p.is_staff:
        if not p.scope.covers(event.town_id):
            raise Forbidden(f"该活动不在您负责的区镇（{p.scope.town}）范围内")
        return event
    if event.status not in PUBLIC:
        raise NotFound(f"活动 {event_id} 不存在或尚未发布")
    return event


def can_manage(p: Principal, event: Event) -> bool:
    return p.is_staff and p.scope.covers(event.town_id)


def list_events(
    session: Session,
    p: Principal,
    *,
    status: str | None = None,
    q: str | None = None,
    page: int = 1,
    size: int = 20,
) -> Page[Event]:
    """Staff: every event in their scope; others: the open and past ones."""
    require_login(p)
    if p.is_staff:
        stmt = p.scope.where(repository.all_events(), Event.town_id)
    else:
        stmt = repository.visible_to_participants()
    return repository.listing(stmt, status=status, q=q, page=page, size=size, session=session)


# -- create, edit, move --------------------------------------------------------------------
def _town_id(session: Session, p: Principal, town: str, current: int | None = None) -> int | None:
    town_id = towns.resolve(session, town, current=current)
    if not p.scope.covers(town_id):
        raise Forbidden(f"只能为您负责的区镇（{p.scope.town}）举办活动", field="town")
    return town_id


def _check_guest(session: Session, guest_org_id: int | None) -> None:
    if guest_org_id is None:
        return
    org = session.get(Organization, guest_org_id)
    if org is None or org.kind not in ("university", "institute"):
        raise InvalidInput("嘉宾单位应为本平台的高校或科研院所", field="guest_org_id")


def guest_choices(session: Session) -> list[tuple[int, str]]:
    """Universities and institutes a 专场 by university may invite as its guest."""
    stmt = (
        select(Organization.id, Organization.name)
        .where(Organization.kind.in_(("university", "institute")), Organization.status == "active")
        .order_by(Organization.name)
    )
    return [(row.id, row.name) for row in session.execute(stmt)]


def create(session: Session, p: Principal, data: EventCreate) -> Event:
    """A new event (draft) in the staff member's scope."""
    require_staff(p)
    _check_guest(session, data.guest_org_id)
    values = data.model_dump(exclude={"town"})
    event = Event(**values, town_id=_town_id(session, p, data.town), created_by=p.user_id)
    event.title = event.title.strip()
    session.add(event)
    session.flush()
    repository.add_log(session, event.id, p.user_id, "created")
    return event


def update(session: Session, p: Principal, event_id: int, data: EventCreate) -> Event:
    """Change an event's details (not once it was held)."""
    event = _staff_event(session, p, event_id)
    if event.status in (E.HELD, E.ARCHIVED):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能修改")
    _check_guest(session, data.guest_org_id)
    town_id = _town_id(session, p, data.town, current=event.town_id)
    moved_by = data.held_on - event.held_on
    if moved_by:
        # The slots keep their times of day on the new date.
        for slot in repository.slots(session, event.id):
            slot.starts_at = slot.starts_at + moved_by
        for block in session.scalars(select(EventSession).where(EventSession.event_id == event.id)):
            block.starts_at = block.starts_at + moved_by
    for name, value in data.model_dump(exclude={"town"}).items():
        setattr(event, name, value)
    event.town_id = town_id
    session.flush()
    session.refresh(event)
    return event


def move(session: Session, p: Principal, event_id: int, action: EventAction) -> Event:
    """Open registration, close it, mark held, archive (atomic; the loser of a race gets 409)."""
    event = _staff_event(session, p, event_id)
    if action is EventAction.OPEN and not repository.slots(session, event.id):
        raise Conflict("请先添加至少一个洽谈时段，再开放报名")

    def record(t: Transition[EventStatus, EventAction]) -> None:
        repository.add_log(session, t.row_id, t.actor_user_id, t.action.value)

    MACHINE.move(session, event, action, actor_user_id=p.user_id, record=record)
    session.refresh(event)
    return event


def add_session(
    session: Session, p: Principal, event_id: int, data: SessionCreate
) -> list[EventSlot]:
    """A block of meetings on the event's day: its slots are generated from it."""
    event = _staff_event(session, p, event_id)
    if event.status in (E.HELD, E.ARCHIVED):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能再添加时段")
    # Stored in UTC, as every timestamp (SQLite keeps no offset).
    start = datetime.combine(event.held_on, data.start, tzinfo=clock.zone()).astimezone(UTC)
    step = timedelta(minutes=data.meeting_minutes + data.break_minutes)
    end = start + step * (data.meetings - 1) + timedelta(minutes=data.meeting_minutes)
    if clock.local_date(end) != event.held_on:
        raise InvalidInput("洽谈时段超出了活动当天，请减少轮数或提前开始时间", field="meetings")
    existing = repository.slots(session, event.id)
    for slot in existing:
        s_start = clock.to_local(slot.starts_at)
        if s_start < end and start < s_start + timedelta(minutes=slot.minutes):
            raise InvalidInput(f"与已有时段 {s_start:%H:%M} 重叠，请换一个开始时间", field="start")
    row = EventSession(
        event_id=event.id,
        starts_at=start,
        meeting_minutes=data.meeting_minutes,
        break_minutes=data.break_minutes,
        meetings=data.meetings,
        tables=data.tables,
    )
    session.add(row)
    session.flush()
    made = [
        EventSlot(
            event_id=event.id,
            session_id=row.id,
            starts_at=start + step * i,
            minutes=data.meeting_minutes,
            tables=data.tables,
        )
        for i in range(data.meetings)
    ]
    session.add_all(made)
    session.flush()
    return made


# -- invitations --------------------------------------------------------------------------
@dataclass
class Proposal:
    """A company proposed for an invitation: its best-fitting open need."""

    org_id: int
    org_name: str
    town: str
    need_id: int
    need_title: str
    score: float  # the need's calibrated fit (``matching.pairs``), 0–1
    terms: list[str]
    invited: bool = False


def propose(
    session: Session, manager: IndexManager, p: Principal, event_id: int, *, limit: int = 30
) -> list[Proposal]:
    """Companies whose open needs fit the theme (or the guest university's achievements)."""
    event = _staff_event(session, p, event_id)
    found: list[matching.Match] = []
    text = " ".join(x for x in (event.title, event.theme) if x).strip()
    if text:
        found += matching.search(session, manager, q=text, kind=Kind.NEEDS, limit=limit * 2)
    if event.guest_org_id is not None:
        achievements = session.scalars(
            select(Achievement.id)
            .where(
                Achievement.org_id == event.guest_org_id,
                Achievement.status == ItemStatus.ACTIVE,
            )
            .limit(10)
        )
        for achievement_id in list(achievements):
            found += matching.recommend(
                session,
                manager,
                source_kind=Kind.ACHIEVEMENTS,
                source_id=achievement_id,
                target_kind=Kind.NEEDS,
                limit=10,
            )
    invited = {r.org_id for r in repository.registrations(session, event.id)}
    best: dict[int, Proposal] = {}
    for m in found:
        need: Need = m.item
        if need.status not in OPEN_NEED_STATUSES:
            continue
        # The fit, not the fused score: that one only orders one list, and these come
        # from several (the theme, each guest achievement).
        fit = pairs.fit_of(m)
        if need.org_id in best and best[need.org_id].score >= fit:
            continue
        org = need.org
        if event.town_id is not None and not p.scope.allows(org) and not p.scope.district:
            continue
        best[need.org_id] = Proposal(
            org_id=need.org_id,
            org_name=org.name,
            town=org.town,
            need_id=need.id,
            need_title=need.title,
            score=fit,
            terms=list(m.shared_terms[:6]),
            invited=need.org_id in invited,
        )
    return sorted(best.values(), key=lambda x: -x.score)[:limit]


@dataclass
class SupplyProposal:
    """A university, institute or expert proposed for the invited companies' needs."""

    key: str  # org:<id> | expert:<id>, as a registration's ``participant``
    name: str
    side_label: str
    item_title: str  # the achievement, or the expert's own line (title, field)
    item_url: str
    need_title: str  # the invited company's need it fits best
    company: str
    score: float  # calibrated fit (``matching.pairs``), 0–1
    terms: list[str]
    invited: bool = False


SIDE_LABELS = {"university": "高校", "institute": "科研院所", "expert": "专家"}


def propose_supply(
    session: Session, manager: IndexManager, p: Principal, event_id: int, *, limit: int = 30
) -> list[SupplyProposal]:
    """Achievements' owners and experts that fit the open needs of the companies invited
    or registered so far, best fit first: whom to invite on the other side of the table."""
    event = _staff_event(session, p, event_id)
    regs = repository.registrations(session, event.id)
    companies = {
        r.org_id: r.name
        for r in regs
        if r.side == "enterprise"
        and r.org_id is not None
        and r.status in (RegistrationStatus.INVITED, RegistrationStatus.REGISTERED)
    }
    taken = {r.participant for r in regs}
    if not companies:
        return []
    needs = session.scalars(
        select(Need)
        .where(Need.org_id.in_(companies), Need.status.in_(OPEN_NEED_STATUSES))
        .order_by(Need.id.desc())
        .limit(limit)
    ).all()
    best: dict[str, SupplyProposal] = {}
    for need in needs:
        for target in (Kind.ACHIEVEMENTS, Kind.EXPERTS):
            found = matching.recommend(
                session,
                manager,
                source_kind=Kind.NEEDS,
                source_id=need.id,
                target_kind=target,
                limit=5,
            )
            for m in found:
                proposal = _supply(m, target, need, companies.get(need.org_id, ""))
                if proposal is None:
                    continue
                if proposal.key in best and best[proposal.key].score >= proposal.score:
                    continue
                proposal.invited = proposal.key in taken
                best[proposal.key] = proposal
    return sorted(best.values(), key=lambda x: -x.score)[:limit]


def _supply(m: matching.Match, target: Kind, need: Need, company: str) -> SupplyProposal | None:
    fit = pairs.fit_of(m)
    terms = list(m.shared_terms[:6])
    if target is Kind.EXPERTS:
        expert: Expert = m.item
        focus = expert.expertise.strip().splitlines()[0][:40] if expert.expertise.strip() else ""
        line = "，".join(x for x in (expert.title, focus) if x)
        return SupplyProposal(
            key=f"expert:{expert.id}",
            name=expert.name,
            side_label=SIDE_LABELS["expert"],
            item_title=line or expert.name,
            item_url=f"/experts/{expert.id}",
            need_title=need.title,
            company=company,
            score=fit,
            terms=terms,
        )
    achievement: Achievement = m.item
    org = achievement.org
    side = SIDE_OF_KIND.get(org.kind) if org is not None else None
    if org is None or side not in ("university", "institute"):
        return None
    return SupplyProposal(
        key=f"org:{org.id}",
        name=org.name,
        side_label=SIDE_LABELS[side],
        item_title=achievement.title,
        item_url=f"/achievements/{achievement.id}",
        need_title=need.title,
        company=company,
        score=fit,
        terms=terms,
    )


def _invitable(session: Session, p: Principal, event_id: int) -> Event:
    event = _staff_event(session, p, event_id)
    if event.status not in (E.DRAFT, E.OPEN):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能再发出邀请")
    return event


def _invited(
    session: Session, p: Principal, event: Event, reg: Registration, user_ids: list[int]
) -> Registration:
    """Store an invited registration and tell the invited side's users."""
    reg.event_id, reg.status, reg.invited = event.id, RegistrationStatus.INVITED, True
    reg.checkin_token = secrets.token_urlsafe(32)
    reg.need_ids, reg.achievement_ids, reg.unavailable_slot_ids = [], [], []
    session.add(reg)
    session.flush()
    notify(
        session,
        user_ids,
        NotificationKind.EVENT_INVITED,
        {"title": event.title, "held_on": event.held_on.isoformat(), "venue": event.venue},
        subject=("event", event.id),
        link=f"/events/{event.id}",
        skip=p.user_id,
    )
    return reg


def invite_experts(
    session: Session, p: Principal, event_id: int, expert_ids: list[int]
) -> list[Registration]:
    """Invite these experts in person (side 专家): an invited registration and a notification."""
    event = _invitable(session, p, event_id)
    made: list[Registration] = []
    for expert_id in dict.fromkeys(expert_ids):
        expert = session.get(Expert, expert_id)
        if expert is None or expert.status is not ItemStatus.ACTIVE:
            raise NotFound(f"专家 {expert_id} 不存在或已停用")
        key = f"expert:{expert.id}"
        if repository.registration(session, event.id, key) is not None:
            continue
        reg = Registration(
            participant=key, org_id=expert.org_id, expert_id=expert.id, side="expert",
            name=expert.name,
        )  # fmt: skip
        users = accounts_repository.users_of_expert(session, expert.id)
        made.append(_invited(session, p, event, reg, [u.id for u in users]))
    return made


def invite(
    session: Session,
    p: Principal,
    event_id: int,
    org_ids: list[int],
    scores: dict[int, float] | None = None,
) -> list[Registration]:
    """Invite these organizations: an invited registration each, and a notification."""
    event = _invitable(session, p, event_id)
    made: list[Registration] = []
    for org_id in dict.fromkeys(org_ids):
        org = session.get(Organization, org_id)
        if org is None:
            raise NotFound(f"单位 {org_id} 不存在")
        side = SIDE_OF_KIND.get(org.kind)
        if side is None:
            raise InvalidInput(f"“{org.name}”不是企业或高校院所，不能邀请")
        key = f"org:{org.id}"
        if repository.registration(session, event.id, key) is not None:
            continue
        reg = Registration(
            participant=key, org_id=org.id, side=side, name=org.name,
            invite_score=(scores or {}).get(org.id),
        )  # fmt: skip
        users = accounts_repository.users_of_org(session, org.id)
        made.append(_invited(session, p, event, reg, [u.id for u in users]))
    return made


@dataclass
class Invitation:
    """A row of the invitation list: whom to phone, and whether they answered."""

    name: str
    town: str
    contact_name: str
    contact_phone: str
    score: float | None
    status: str


def invitations(session: Session, p: Principal, event_id: int) -> list[Invitation]:
    """Everyone invited, with contacts (staff in scope) and the state of their answer."""
    event = _staff_event(session, p, event_id)
    out = []
    for reg in repository.registrations(session, event.id):
        if not reg.invited:
            continue
        org = session.get(Organization, reg.org_id) if reg.org_id else None
        out.append(
            Invitation(
                name=reg.name,
                town=org.town if org else "",
                contact_name=org.contact_name if org else "",
                contact_phone=org.contact_phone if org else "",
                score=reg.invite_score,
                status=reg.status.label,
            )
        )
    return out


# -- registration ---------------------------------------------------------------------------
def _check_can_register(session: Session, event: Event) -> None:
    if event.status is not E.OPEN:
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能报名")
    today = clock.local_today()
    if today < event.registration_opens:
        raise Conflict(f"报名尚未开始，开始日期为 {event.registration_opens:%Y-%m-%d}")
    if today > event.registration_closes:
        raise Conflict(f"报名已于 {event.registration_closes:%Y-%m-%d} 截止")


def register(
    session: Session, p: Principal, event_id: int, data: RegistrationInput
) -> Registration:
    """Register (or accept an invitation, or change what one brings) within the window and
    the capacity; the capacity is counted with the event row locked."""
    key, org_id, expert_id, side, name = participant_key(session, p)
    event = get_visible(session, p, event_id)
    _check_can_register(session, event)
    if expert_id is not None:
        data = data.model_copy(update={"need_ids": [], "achievement_ids": []})
    if org_id is not None:
        for need_id in data.need_ids:
            need = session.get(Need, need_id)
            if need is None or need.org_id != org_id:
                raise InvalidInput(f"需求 {need_id} 不是本单位的需求", field="need_ids")
        for ach_id in data.achievement_ids:
            ach = session.get(Achievement, ach_id)
            if ach is None or ach.org_id != org_id:
                raise InvalidInput(f"成果 {ach_id} 不是本单位的成果", field="achievement_ids")
    slot_ids = {s.id for s in repository.slots(session, event.id)}
    unknown = set(data.unavailable_slot_ids) - slot_ids
    if unknown:
        raise InvalidInput("所选时段不属于本活动，请刷新页面后重选", field="unavailable_slot_ids")

    locked = repository.lock(session, event.id)
    assert locked is not None
    reg = repository.registration(session, event.id, key)
    if reg is None or reg.status is not RegistrationStatus.REGISTERED:
        taken = repository.count_registered(session, event.id)
        if taken >= event.capacity:
            raise Conflict(f"报名人数已满（名额 {event.capacity} 个），无法再报名")
    values: dict[str, Any] = {
        "need_ids": list(dict.fromkeys(data.need_ids)),
        "achievement_ids": list(dict.fromkeys(data.achievement_ids)),
        "unavailable_slot_ids": sorted(set(data.unavailable_slot_ids)),
        "min_meetings": data.min_meetings,
        "max_meetings": data.max_meetings,
        "status": RegistrationStatus.REGISTERED,
        "user_id": p.user_id,
    }
    if reg is None:
        reg = Registration(
            event_id=event.id,
            participant=key,
            org_id=org_id,
            expert_id=expert_id,
            side=side,
            name=name,
            checkin_token=secrets.token_urlsafe(32),
            **values,
        )
        try:
            with session.begin_nested():
                session.add(reg)
                session.flush()
        except IntegrityError:
            raise Conflict("您已报名本活动，请刷新页面") from None
    else:
        for field_name, value in values.items():
            setattr(reg, field_name, value)
        session.flush()
    return reg


def cancel_registration(session: Session, p: Principal, event_id: int) -> Registration:
    """Withdraw from an event (before it is held)."""
    key, *_ = participant_key(session, p)
    event = get_visible(session, p, event_id)
    if event.status not in (E.OPEN, E.CLOSED):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能取消报名")
    reg = repository.registration(session, event.id, key)
    if reg is None or reg.status is RegistrationStatus.CANCELLED:
        raise NotFound("您没有报名本活动")
    reg.status = RegistrationStatus.CANCELLED
    session.flush()
    from matchmaking.events import requests  # imports this module

    requests.close_for(session, reg)
    _tell_partners(session, p, event, reg)
    return reg


def users_of(session: Session, reg: Registration) -> list[int]:
    """Who speaks for a participant: its organization's users, or the expert."""
    if reg.expert_id is not None:
        return [u.id for u in accounts_repository.users_of_expert(session, reg.expert_id)]
    if reg.org_id is not None:
        return [u.id for u in accounts_repository.users_of_org(session, reg.org_id)]
    return []


def _tell_partners(session: Session, p: Principal, event: Event, reg: Registration) -> None:
    """After publishing, the people a cancelled participant was to meet are told."""
    run = repository.published_run(session, event.id)
    if run is None:
        return
    slots = {s.id: s for s in repository.slots(session, event.id)}
    for m in repository.meetings(session, run.id, reg.id):
        other = session.get(Registration, m.b_id if m.a_id == reg.id else m.a_id)
        if other is None:
            continue
        start = clock.to_local(slots[m.slot_id].starts_at)
        notify(
            session,
            users_of(session, other),
            NotificationKind.EVENT_CANCELLED_MEETING,
            {"name": reg.name, "title": event.title, "time": f"{start:%H:%M}", "table": m.table_no},
            subject=("event", event.id),
            link=f"/events/{event.id}/agenda",
            skip=p.user_id,
        )


def my_registration(session: Session, p: Principal, event_id: int) -> Registration | None:
    if p.is_staff:
        return None
    try:
        key, *_ = participant_key(session, p)
    except Forbidden:
        return None
    return repository.registration(session, event_id, key)


def my_items(session: Session, p: Principal) -> tuple[list[Need], list[Achievement]]:
    """What this user's organization could bring: its open needs and active achievements."""
    if p.org_id is None:
        return [], []
    needs = session.scalars(
        select(Need).where(Need.org_id == p.org_id, Need.status.in_(OPEN_NEED_STATUSES))
    )
    achievements = session.scalars(
        select(Achievement).where(
            Achievement.org_id == p.org_id, Achievement.status == ItemStatus.ACTIVE
        )
    )
    return list(needs), list(achievements)


@dataclass
class Detail:
    """What the event page shows: the event, its slots (with local start times), my
    registration and what I could bring, or (staff) every registration."""

    event: Event
    manage: bool
    slots: list[tuple[EventSlot, datetime]]
    mine: Registration | None
    needs: list[Need]
    achievements: list[Achievement]
    registered: int
    actions: list[tuple[str, str]]
    regs: list[Registration]
    published: bool
    can_register: bool


def detail(session: Session, p: Principal, event_id: int) -> Detail:
    """One event as its page shows it, for staff in scope or a participant."""
    event = get_visible(session, p, event_id)
    manage = can_manage(p, event)
    needs, achievements = my_items(session, p)
    today = clock.local_today()
    return Detail(
        event=event,
        manage=manage,
        slots=[(s, clock.to_local(s.starts_at)) for s in repository.slots(session, event.id)],
        mine=my_registration(session, p, event.id),
        needs=needs,
        achievements=achievements,
        registered=repository.count_registered(session, event.id),
        actions=[(a.value, ACTION_VERB[a]) for a in MACHINE.actions_from(event.status)]
        if manage
        else [],
        regs=repository.registrations(session, event.id) if manage else [],
        published=repository.published_run(session, event.id) is not None,
        can_register=event.status is E.OPEN
        and event.registration_opens <= today <= event.registration_closes,
    )


# -- wishes and suggestions ----------------------------------------------------------------
@dataclass
class Suggestion:
    registration: Registration
    fit: Fit | None
    my_wish: WishLevel | None


def _own_registered(session: Session, p: Principal, event: Event) -> Registration:
    reg = my_registration(session, p, event.id)
    if reg is None or reg.status is not RegistrationStatus.REGISTERED:
        raise Forbidden("请先报名本活动，再查看推荐洽谈对象")
    return reg


def suggestions(
    session: Session, manager: IndexManager, p: Principal, event_id: int
) -> list[Suggestion]:
    """The other participants, best fit first, each with my wish about them."""
    event = get_visible(session, p, event_id)
    me = _own_registered(session, p, event)
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    others = [r for r in regs if r.id != me.id and (me.org_id is None or r.org_id != me.org_id)]
    scored = fits(session, manager, [me, *others])
    mine = {w.to_id: w.level for w in repository.wishes(session, event.id) if w.from_id == me.id}
    out = [Suggestion(r, scored.get(frozenset((me.id, r.id))), mine.get(r.id)) for r in others]
    return sorted(out, key=lambda s: -(s.fit.score if s.fit else -1.0))


def set_wish(
    session: Session, p: Principal, event_id: int, to_id: int, level: WishLevel | None
) -> Wish | None:
    """Mark 必见 / 想见 / 不见 about another participant (None withdraws the mark)."""
    event = get_visible(session, p, event_id)
    if event.status not in (E.OPEN, E.CLOSED):
        raise Conflict(f"该活动当前状态为“{event.status.label}”，不能再修改洽谈意愿")
    me = _own_registered(session, p, event)
    other = session.get(Registration, to_id)
    if (
        other is None
        or other.event_id != event.id
        or other.status is not RegistrationStatus.REGISTERED
    ):
        raise NotFound("该参会方不存在或已取消报名")
    if other.id == me.id or (me.org_id is not None and other.org_id == me.org_id):
        raise InvalidInput("不能与本单位洽谈", field="to_id")
    row = repository.wish(session, me.id, other.id)
    if level is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    if row is None:
        row = Wish(event_id=event.id, from_id=me.id, to_id=other.id, level=level)
        session.add(row)
    else:
        row.level = level
    session.flush()
    return row
