"""Every query of the docking concept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, false, func, select, true, tuple_
from sqlalchemy.orm import Session, selectinload

from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import DockingStatus
from matchmaking.models import (
    Achievement,
    CooperationAgreement,
    Docking,
    DockingEvent,
    Expert,
    Need,
    Organization,
    User,
)

Ts = TypeVarTuple("Ts")


def get(session: Session, docking_id: int) -> Docking | None:
    stmt = (
        select(Docking)
        .where(Docking.id == docking_id)
        .options(selectinload(Docking.need).selectinload(Need.org))
    )
    return session.scalars(stmt).one_or_none()


def by_pair(session: Session, need_id: int, target_kind: str, target_id: int) -> Docking | None:
    stmt = select(Docking).where(
        Docking.need_id == need_id,
        Docking.target_kind == target_kind,
        Docking.target_id == target_id,
    )
    return session.scalars(stmt).one_or_none()


def by_pairs(
    session: Session, pairs: Sequence[tuple[int, str, int]]
) -> dict[tuple[int, str, int], Docking]:
    """The dockings of these (need id, target kind, target id) pairs, in one query."""
    wanted = list(set(pairs))
    if not wanted:
        return {}
    key = tuple_(Docking.need_id, Docking.target_kind, Docking.target_id)
    rows = session.scalars(select(Docking).where(key.in_(wanted)))
    return {(d.need_id, d.target_kind, d.target_id): d for d in rows}


def need(session: Session, need_id: int) -> Need | None:
    stmt = select(Need).where(Need.id == need_id).options(selectinload(Need.org))
    return session.scalars(stmt).one_or_none()


def target(session: Session, kind: str, target_id: int) -> Achievement | Expert | None:
    model: Any = Achievement if kind == "achievements" else Expert
    stmt = select(model).where(model.id == target_id).options(selectinload(model.org))
    found: Achievement | Expert | None = session.scalars(stmt).one_or_none()
    return found


def add_event(
    session: Session,
    docking_id: int,
    actor_user_id: int | None,
    action: str,
    note: str,
    *,
    at: datetime | None = None,
) -> DockingEvent:
    event = DockingEvent(
        docking_id=docking_id, actor_user_id=actor_user_id, action=action, note=note
    )
    if at is not None:
        event.at = at
    session.add(event)
    return event


def events_of(session: Session, docking_id: int) -> list[DockingEvent]:
    stmt = (
        select(DockingEvent)
        .where(DockingEvent.docking_id == docking_id)
        .order_by(DockingEvent.at, DockingEvent.id)
    )
    return list(session.scalars(stmt))


def last_events(session: Session, docking_ids: Sequence[int]) -> dict[int, DockingEvent]:
    """The latest event of each docking."""
    if not docking_ids:
        return {}
    latest = (
        select(func.max(DockingEvent.id))
        .where(DockingEvent.docking_id.in_(list(docking_ids)))
        .group_by(DockingEvent.docking_id)
    )
    stmt = select(DockingEvent).where(DockingEvent.id.in_(latest))
    return {e.docking_id: e for e in session.scalars(stmt)}


def needs_by_id(session: Session, ids: Iterable[int]) -> dict[int, Need]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    stmt = select(Need).where(Need.id.in_(wanted)).options(selectinload(Need.org))
    return {n.id: n for n in session.scalars(stmt)}


def targets_by_id(session: Session, kind: str, ids: Iterable[int]) -> dict[int, Any]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    model: Any = Achievement if kind == "achievements" else Expert
    stmt = select(model).where(model.id.in_(wanted)).options(selectinload(model.org))
    return {t.id: t for t in session.scalars(stmt)}


def orgs_by_id(session: Session, ids: Iterable[int]) -> dict[int, Organization]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {
        o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    }


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def page(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    *,
    page: int,
    page_size: int,
) -> Page[Docking]:
    """Dockings passing ``where`` (may refer to the need and its organization), newest first."""
    stmt = _joined(select(Docking)).where(*where)
    stmt = stmt.order_by(Docking.updated_at.desc(), Docking.id.desc())
    return paginate(session, stmt, page, page_size)


def counts_by_status(
    session: Session, where: Sequence[ColumnElement[bool]]
) -> dict[DockingStatus, int]:
    stmt = _joined(select(Docking.status, func.count())).where(*where).group_by(Docking.status)
    return {DockingStatus(status): int(count) for status, count in session.execute(stmt)}


def counts_by_need(session: Session, need_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Dockings of these needs: need id -> status -> how many."""
    out: dict[int, dict[str, int]] = {}
    if not need_ids:
        return out
    stmt = (
        select(Docking.need_id, Docking.status, func.count())
        .where(Docking.need_id.in_(list(need_ids)))
        .group_by(Docking.need_id, Docking.status)
    )
    for need_id, status, count in session.execute(stmt):
        out.setdefault(int(need_id), {})[str(status)] = int(count)
    return out


def with_status(
    session: Session, where: Sequence[ColumnElement[bool]], status: DockingStatus, limit: int
) -> list[Docking]:
    stmt = (
        _joined(select(Docking))
        .where(*where, Docking.status == status)
        .order_by(Docking.updated_at.desc(), Docking.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _joined(stmt: Select[*Ts]) -> Select[*Ts]:
    return stmt.join(Need, Need.id == Docking.need_id).join(
        Organization, Organization.id == Need.org_id
    )


NOTHING = false()
EVERYTHING = true()


def org(session: Session, org_id: int | None) -> Organization | None:
    return session.get(Organization, org_id) if org_id is not None else None


def agreements_of(session: Session, docking_ids: Sequence[int]) -> dict[int, int]:
    """Docking id -> the id of the cooperation agreement its signing made."""
    if not docking_ids:
        return {}
    stmt = select(CooperationAgreement.docking_id, CooperationAgreement.id).where(
        CooperationAgreement.docking_id.in_(set(docking_ids))
    )
    return {int(did): aid for did, aid in session.execute(stmt) if did is not None}
