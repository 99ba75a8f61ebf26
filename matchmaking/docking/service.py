"""Docking requests and their life: requested → accepted → negotiating → signed, or declined.

Either side may start a docking: the need's enterprise (or staff in its scope) towards a
published achievement or expert, or the target's side (a university user for its own
achievement or expert, an expert for themselves) towards a published need. Every step is
recorded as a ``DockingEvent`` (who, what, when) and notifies the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaking.accounts import permissions
from matchmaking.accounts import repository as accounts_repository
from matchmaking.accounts.permissions import Principal, is_published, require_login
from matchmaking.common.pagination import Page
from matchmaking.common.transitions import StateMachine, Transition
from matchmaking.docking import repository
from matchmaking.docking.schemas import (
    Action,
    Board,
    BoardColumn,
    Box,
    Contact,
    DockingDetail,
    DockingRead,
    EventRead,
    OrgRef,
)
from matchmaking.enums import (
    DockingStatus,
    Kind,
    NeedStatus,
    NotificationKind,
    OrgStatus,
    Origin,
    Role,
)
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import Docking, DockingEvent, Need, Organization, User
from matchmaking.notifications.render import DOCKING_STEPS
from matchmaking.notifications.service import notify
from matchmaking.outcomes import agreements
from matchmaking.outcomes.schemas import SignedAgreement
from matchmaking.towns import repository as towns_repository

Side = Literal["need", "target", "staff"]
S = DockingStatus
TARGET_NOUN = {"achievements": "科技成果", "experts": "专家"}
# The legal moves: (status, action) -> the status it leads to. Per status, in the order
# the actions are offered.
TRANSITIONS: dict[tuple[DockingStatus, Action], DockingStatus] = {
    (S.REQUESTED, Action.ACCEPT): S.ACCEPTED,
    (S.REQUESTED, Action.DECLINE): S.DECLINED,
    (S.ACCEPTED, Action.DECLINE): S.DECLINED,
    (S.ACCEPTED, Action.NEGOTIATE): S.NEGOTIATING,
    (S.NEGOTIATING, Action.DECLINE): S.DECLINED,
    (S.NEGOTIATING, Action.SIGN): S.SIGNED,
}
ACTION_VERB = {
    Action.ACCEPT: "接受",
    Action.DECLINE: "婉拒",
    Action.NEGOTIATE: "进入洽谈",
    Action.SIGN: "签署合作协议",
}
MACHINE = StateMachine(Docking, TRANSITIONS, noun="对接", verbs=ACTION_VERB)
REQUESTED_EVENT = "requested"
EVENT_LABEL = {REQUESTED_EVENT: "发起对接申请", **{s.value: v for s, v in DOCKING_STEPS.items()}}
BOARD_ORDER = (S.REQUESTED, S.ACCEPTED, S.NEGOTIATING, S.SIGNED, S.DECLINED)


# -- sides ---------------------------------------------------------------------
def _on_need_side(p: Principal, need: Need) -> bool:
    return p.role is Role.ENTERPRISE and p.org_id is not None and p.org_id == need.org_id


def _on_target_side(p: Principal, kind: str, target: Any) -> bool:
    if kind == Kind.EXPERTS and p.expert_id is not None and p.expert_id == target.id:
        return True
    return p.role is Role.UNIVERSITY and p.org_id is not None and p.org_id == target.org_id


def _side(p: Principal, d: Docking, need: Need, target: Any) -> Side | None:
    """Which side of this docking the user speaks for (staff in the need's scope: "staff")."""
    if _on_need_side(p, need):
        return "need"
    if _on_target_side(p, d.target_kind, target):
        return "target"
    if p.scope.allows(need.org):
        return "staff"
    return None


def _requester_side(d: Docking, need: Need) -> Side:
    return "need" if d.requester_org_id == need.org_id else "target"


def _side_users(session: Session, side: Side, need: Need, kind: str, target: Any) -> list[User]:
    """Everyone who speaks for one side: the need's enterprise, or the target's org (and expert)."""
    if side == "need":
        return accounts_repository.users_of_org(session, need.org_id)
    users = [
        u
        for u in accounts_repository.users_of_org(session, target.org_id)
        if u.role is Role.UNIVERSITY
    ]
    if kind == Kind.EXPERTS:
        users += accounts_repository.users_of_expert(session, target.id)
    return users


def _notify(
    session: Session,
    users: list[User],
    p: Principal,
    kind: NotificationKind,
    d: Docking,
    need: Need,
    target: Any,
    **extra: str,
) -> None:
    """Tell these users (never the one who acted) about a step of this docking."""
    payload = {
        "actor": _actor_label(session, p),
        "need_title": need.title,
        "target_kind": d.target_kind,
        "target_title": _target_title(d.target_kind, target),
        **extra,
    }
    notify(
        session,
        [u.id for u in users],
        kind,
        payload,
        subject=("docking", d.id),
        link=f"/dockings/{d.id}",
        skip=p.user_id,
    )


def _target_title(kind: str, target: Any) -> str:
    return str(target.title if kind == Kind.ACHIEVEMENTS else target.name)


def _load(session: Session, docking_id: int) -> tuple[Docking, Need, Any]:
    d = repository.get(session, docking_id)
    if d is None:
        raise NotFound(f"对接 {docking_id} 不存在")
    target = repository.target(session, d.target_kind, d.target_id)
    if target is None:
        raise NotFound(f"对接 {docking_id} 的{TARGET_NOUN[d.target_kind]}已不存在")
    return d, d.need, target


def _check_published(kind: Kind, item: Any, noun: str) -> None:
    if is_published(kind, item):
        return
    if item.org.status is not OrgStatus.ACTIVE:
        raise Conflict(f"该{noun}所属单位“{item.org.name}”尚未通过审核或已关闭，暂不能对接")
    label = item.status.label if kind is Kind.NEEDS else "已关闭"
    raise Conflict(f"该{noun}{label}，不能发起对接")


# -- request -------------------------------------------------------------------
def request(
    session: Session,
    p: Principal,
    *,
    need_id: int,
    target_kind: str,
    target_id: int,
    message: str = "",
    score: float | None = None,
    origin: Origin = Origin.DIRECT,
) -> Docking:
    """Start a docking between a need and an achievement or expert; notify the other side.

    ``origin`` says what led to it (a recommendation list, a search, an event, a visit,
    or direct); it is kept for "value by origin".
    """
    require_login(p)
    if target_kind not in TARGET_NOUN:
        raise InvalidInput("对接对象只能是科技成果或专家", field="target_kind")
    noun = TARGET_NOUN[target_kind]
    need = repository.need(session, need_id)
    if need is None:
        raise NotFound(f"技术需求 {need_id} 不存在")
    target = repository.target(session, target_kind, target_id)
    if target is None:
        raise NotFound(f"{noun} {target_id} 不存在")
    if need.org_id == target.org_id:
        raise InvalidInput(f"需求与{noun}同属“{need.org.name}”，不能与本单位对接")

    if _on_need_side(p, need) or (p.is_staff and p.scope.allows(need.org)):
        requester_side: Side = "need"
    elif _on_target_side(p, target_kind, target):
        requester_side = "target"
    elif p.is_staff:
        raise Forbidden(f"“{need.org.name}”不在您负责的区镇范围内")
    else:
        raise Forbidden(f"只有需求方企业，或该{noun}所属单位（专家本人）可以发起对接")

    _check_published(Kind.NEEDS, need, "技术需求")
    _check_published(Kind(target_kind), target, noun)
    existing = repository.by_pair(session, need.id, target_kind, target.id)
    if existing is not None:
        raise _duplicate(existing)

    own, other = (need.org_id, target.org_id)
    if requester_side == "target":
        own, other = other, own
    docking = Docking(
        need_id=need.id,
        target_kind=target_kind,
        target_id=target.id,
        requester_user_id=p.user_id,
        requester_org_id=own,
        responder_org_id=other,
        status=S.REQUESTED,
        message=message.strip(),
        score=score,
        origin=origin,
    )
    try:
        with session.begin_nested():
            session.add(docking)
            session.flush()
    except IntegrityError:
        # Someone created the same pair a moment ago.
        existing = repository.by_pair(session, need.id, target_kind, target.id)
        if existing is None:
            raise
        raise _duplicate(existing) from None
    repository.add_event(session, docking.id, p.user_id, REQUESTED_EVENT, docking.message)
    if need.status is NeedStatus.OPEN:
        SERVICES[Kind.NEEDS].set_status(session, need.id, NeedStatus.IN_DOCKING)

    responder: Side = "target" if requester_side == "need" else "need"
    users = _side_users(session, responder, need, target_kind, target)
    _notify(session, users, p, NotificationKind.DOCKING_REQUESTED, docking, need, target)
    session.flush()
    return docking


def _duplicate(existing: Docking) -> Conflict:
    label = existing.status.label
    return Conflict(
        f"该需求与该{TARGET_NOUN[existing.target_kind]}的对接已存在"
        f"（编号 {existing.id}，当前状态：{label}），请在对接页面继续办理"
    )


def _actor_label(session: Session, p: Principal) -> str:
    if p.is_staff:
        return f"科技局{p.name}"
    org = repository.org(session, p.org_id)
    return f"{org.name}（{p.name}）" if org is not None else p.name


# -- transitions ---------------------------------------------------------------
def act(
    session: Session,
    p: Principal,
    docking_id: int,
    action: Action,
    *,
    message: str = "",
    reason: str = "",
    agreement: SignedAgreement | None = None,
) -> Docking:
    """Move a docking on (accept, decline, negotiate, sign); notify the other side.

    Signing creates the cooperation agreement (``agreement``: its kind, title, date,
    summary, amount) linked to the docking, in the same transaction.
    """
    require_login(p)
    d, need, target = _load(session, docking_id)
    side = _side(p, d, need, target)
    if side is None:
        raise Forbidden("只有对接双方和负责该区镇的科技局工作人员可以办理此对接")
    MACHINE.next_state(d.status, action)  # refuses early with the current state
    if d.status is S.REQUESTED:
        responder = "target" if _requester_side(d, need) == "need" else "need"
        if side != responder:
            org = repository.org(session, d.responder_org_id)
            name = org.name if org is not None else "被申请方"
            raise Forbidden(f"对接申请只能由被申请方“{name}”接受或婉拒")
    reason = reason.strip()
    if action is Action.DECLINE and not reason:
        raise InvalidInput("请填写婉拒原因", field="reason")

    note = message.strip()
    values = {}
    if action is Action.DECLINE:
        values["decline_reason"] = reason
        note = f"原因：{reason}" + (f"；{note}" if note else "")

    def record(t: Transition[DockingStatus, Action]) -> None:
        repository.add_event(session, t.row_id, t.actor_user_id, t.after.value, note, at=t.at)

    # Atomic: of two simultaneous moves from the same status, the second gets a 409.
    moved = MACHINE.move(session, d, action, actor_user_id=p.user_id, record=record, values=values)
    if moved.after is S.SIGNED:
        agreements.create_for_docking(session, p, d, agreement or SignedAgreement())

    others: list[User] = []
    for each in ("need", "target"):
        if each != side:
            others += _side_users(session, each, need, d.target_kind, target)
    if moved.after is S.SIGNED:
        others += accounts_repository.staff_for_town(session, need.org.town_id)
        # An agreement signed for the need solves it: it leaves the recommendations.
        if need.status in (NeedStatus.OPEN, NeedStatus.IN_DOCKING):
            SERVICES[Kind.NEEDS].set_status(session, need.id, NeedStatus.SOLVED)
    _notify(
        session,
        others,
        p,
        NotificationKind.DOCKING_UPDATED,
        d,
        need,
        target,
        status=moved.after.value,
        note=note,
    )
    session.flush()
    return d


def allowed_actions(p: Principal, d: Docking, need: Need, side: Side | None) -> list[Action]:
    """The actions this user may take on this docking now."""
    if side is None:
        return []
    if d.status is S.REQUESTED:
        responder = "target" if _requester_side(d, need) == "need" else "need"
        if side != responder:
            return []
    return MACHINE.actions_from(d.status)


# -- reads ---------------------------------------------------------------------
def detail(session: Session, p: Principal, docking_id: int) -> DockingDetail:
    """One docking with its history, what this user may do, and the other side's contacts."""
    require_login(p)
    d, need, target = _load(session, docking_id)
    side = _side(p, d, need, target)
    if side is None:
        raise Forbidden("只有对接双方和负责该区镇的科技局工作人员可以查看此对接")
    events = repository.events_of(session, d.id)
    names = _actor_names(session, events)
    summary = _summaries(session, [d])[0]
    contact_orgs: list[Organization] = {
        "need": [target.org],
        "target": [need.org],
        "staff": [need.org, target.org],
    }[side]
    contacts = []
    for org in contact_orgs:
        visible = permissions.can_see_contacts(session, p, org)
        contacts.append(
            Contact(
                org_id=org.id,
                org_name=org.name,
                visible=visible,
                contact_name=org.contact_name if visible else "",
                contact_phone=org.contact_phone if visible else "",
                contact_email=org.contact_email if visible else "",
            )
        )
    return DockingDetail(
        **summary.model_dump(),
        events=[_event(e, names) for e in events],
        my_side=side,
        allowed_actions=allowed_actions(p, d, need, side),
        contacts=contacts,
    )


def existing(
    session: Session, pairs: Sequence[tuple[int, str, int]]
) -> dict[tuple[int, str, int], Docking]:
    """The dockings already asked for between these (need id, target kind, target id) pairs.

    One query for a whole list of recommendations (it was one query per match).
    """
    return repository.by_pairs(session, pairs)


def counts_by_need(session: Session, need_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Dockings of these needs: need id -> status -> how many."""
    return repository.counts_by_need(session, need_ids)


def default_box(session: Session, p: Principal) -> Box:
    """The tab 我的对接 opens on: 收到的 when something was received, else 全部."""
    require_login(p)
    if p.is_staff:
        return Box.ALL
    received = repository.page(session, [_mine(p, Box.INCOMING)], page=1, page_size=1)
    return Box.INCOMING if received.total else Box.ALL


def list_for(
    session: Session,
    p: Principal,
    box: Box | str = Box.INCOMING,
    status: DockingStatus | str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[DockingRead]:
    """My dockings: asked of my side (incoming), asked by my side (outgoing), or all."""
    require_login(p)
    where = [_mine(p, Box(box))]
    if status:
        where.append(Docking.status == DockingStatus(status))
    found = repository.page(session, where, page=page, page_size=page_size)
    return found.map(lambda rows: _summaries(session, list(rows)))


def _mine(p: Principal, box: Box) -> ColumnElement[bool]:
    if p.is_staff:
        if box is Box.OUTGOING:
            return Docking.requester_user_id == p.user_id
        if box is Box.INCOMING:
            return repository.NOTHING
        return and_(repository.EVERYTHING, *_scope(p))
    target_asked = Docking.requester_org_id != Need.org_id
    if p.role is Role.EXPERT:
        if p.expert_id is None:
            return repository.NOTHING
        mine = and_(Docking.target_kind == Kind.EXPERTS, Docking.target_id == p.expert_id)
        if box is Box.INCOMING:
            return and_(mine, ~target_asked)
        if box is Box.OUTGOING:
            return and_(mine, target_asked)
        return mine
    if p.org_id is None:
        return repository.NOTHING
    incoming = Docking.responder_org_id == p.org_id
    outgoing = Docking.requester_org_id == p.org_id
    return {Box.INCOMING: incoming, Box.OUTGOING: outgoing, Box.ALL: or_(incoming, outgoing)}[box]


def _scope(p: Principal) -> list[ColumnElement[bool]]:
    """Staff see the dockings of needs whose enterprise is in their scope."""
    return [] if p.scope.district else [p.scope.clause(Organization.town_id)]


def board(
    session: Session,
    p: Principal,
    *,
    town: str | None = None,
    industry_field: str | None = None,
    per_column: int = 50,
) -> Board:
    """The docking board for staff: one column per status, within the staff member's scope."""
    permissions.require_staff(p)
    where = _scope(p)
    if town:
        where.append(towns_repository.named(Organization.town_id, town))
    if industry_field:
        where.append(Need.industry_field == industry_field)
    counts = repository.counts_by_status(session, where)
    columns = []
    for status in BOARD_ORDER:
        rows = repository.with_status(session, where, status, per_column)
        columns.append(
            BoardColumn(
                status=status,
                label=status.label,
                count=counts.get(status, 0),
                tickets=_summaries(session, rows),
            )
        )
    return Board(columns=columns, total=sum(counts.values()))


def _org_ref(org: Organization | None) -> OrgRef:
    if org is None:
        return OrgRef(id=0, name="（已删除）", town="")
    return OrgRef(id=org.id, name=org.name, town=org.town)


def _summaries(session: Session, rows: list[Docking]) -> list[DockingRead]:
    """The read model of each docking, loaded in a few batched queries."""
    if not rows:
        return []
    needs = repository.needs_by_id(session, [d.need_id for d in rows])
    targets = {
        kind: repository.targets_by_id(
            session, kind, [d.target_id for d in rows if d.target_kind == kind]
        )
        for kind in TARGET_NOUN
    }
    org_ids = [d.requester_org_id for d in rows] + [d.responder_org_id for d in rows]
    org_ids += [n.org_id for n in needs.values()]
    org_ids += [t.org_id for by_id in targets.values() for t in by_id.values()]
    orgs = repository.orgs_by_id(session, org_ids)
    last = repository.last_events(session, [d.id for d in rows])
    signed = repository.agreements_of(session, [d.id for d in rows if d.status is S.SIGNED])
    names = _actor_names(session, list(last.values()))
    out = []
    for d in rows:
        need = needs[d.need_id]
        target = targets[d.target_kind].get(d.target_id)
        out.append(
            DockingRead(
                id=d.id,
                status=d.status,
                status_label=d.status.label,
                need_id=d.need_id,
                need_title=need.title,
                need_field=need.industry_field,
                target_kind=d.target_kind,  # type: ignore[arg-type]
                target_id=d.target_id,
                target_title=_target_title(d.target_kind, target) if target else "（已删除）",
                need_org=_org_ref(orgs.get(need.org_id)),
                target_org=_org_ref(orgs.get(target.org_id) if target else None),
                requester_org=_org_ref(orgs.get(d.requester_org_id)),
                responder_org=_org_ref(orgs.get(d.responder_org_id)),
                message=d.message,
                decline_reason=d.decline_reason,
                score=d.score,
                origin=d.origin,
                origin_label=d.origin.label,
                agreement_id=signed.get(d.id),
                created_at=d.created_at,
                updated_at=d.updated_at,
                last_event=_event(last[d.id], names) if d.id in last else None,
            )
        )
    return out


def _actor_names(session: Session, events: list[DockingEvent]) -> dict[int, str]:
    users = repository.users_by_id(session, [e.actor_user_id for e in events])
    orgs = repository.orgs_by_id(session, [u.org_id for u in users.values() if u.org_id])
    names = {}
    for uid, user in users.items():
        person = user.display_name or user.username
        if user.role in (Role.STAFF, Role.ADMIN):
            where = f"{user.town}科技局" if user.town else "区科技局"
        else:
            org = orgs.get(user.org_id) if user.org_id else None
            where = org.name if org is not None else user.role.label
        names[uid] = f"{person}（{where}）"
    return names


def _event(e: DockingEvent, names: dict[int, str]) -> EventRead:
    return EventRead(
        action=e.action,
        action_label=EVENT_LABEL.get(e.action, e.action),
        note=e.note,
        at=e.at,
        actor_name=names.get(e.actor_user_id, "系统") if e.actor_user_id else "系统",
    )
