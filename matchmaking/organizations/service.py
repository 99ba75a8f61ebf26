"""Organizations: enterprises, universities, institutes, the bureau, intermediaries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.enums import Kind, OrgStatus
from matchmaking.exceptions import Conflict, NotFound
from matchmaking.models import Achievement, Expert, IndexChange, Need, Organization
from matchmaking.organizations import repository
from matchmaking.organizations.schemas import OrganizationCreate, OrganizationUpdate
from matchmaking.towns import service as towns


def get(session: Session, org_id: int) -> Organization:
    """The organization or 404."""
    org = repository.get(session, org_id)
    if org is None:
        raise NotFound(f"单位 {org_id} 不存在")
    return org


def create(session: Session, data: OrganizationCreate) -> Organization:
    """Register an organization; names are unique."""
    if repository.get_by_name(session, data.name) is not None:
        raise Conflict(f"单位“{data.name}”已存在", field="name")
    values = data.model_dump(exclude={"town"})
    org = Organization(**values, town_id=towns.resolve(session, data.town))
    session.add(org)
    session.flush()
    return org


def update_org(session: Session, org_id: int, data: OrganizationUpdate) -> Organization:
    """Change an organization; a status change re-evaluates its items in every index."""
    org = get(session, org_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] != org.name:
        if repository.get_by_name(session, changes["name"]) is not None:
            raise Conflict(f"单位“{changes['name']}”已存在", field="name")
    status_changed = "status" in changes and changes["status"] != org.status
    if "town" in changes:
        town_id = towns.resolve(session, changes.pop("town") or "", current=org.town_id)
        if town_id != org.town_id:
            changes["town_id"] = town_id
    for key, value in changes.items():
        setattr(org, key, value)
    session.flush()
    if status_changed or "town_id" in changes or "district" in changes:
        _touch_items(session, org.id)
    return org


def close(session: Session, org_id: int) -> Organization:
    """Close an organization: its items stop being shown and recommended."""
    return update_org(session, org_id, OrganizationUpdate(status=OrgStatus.CLOSED))


def _touch_items(session: Session, org_id: int) -> None:
    for kind, model in (
        (Kind.NEEDS, Need),
        (Kind.ACHIEVEMENTS, Achievement),
        (Kind.EXPERTS, Expert),
    ):
        ids = session.scalars(select(model.id).where(model.org_id == org_id)).all()
        session.add_all(IndexChange(kind=kind.value, item_id=i) for i in ids)
