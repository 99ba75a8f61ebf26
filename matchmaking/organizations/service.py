"""Organizations: enterprises, universities, institutes, the bureau, intermediaries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.common.pagination import Page
from matchmaking.enums import Kind, OrgKind, OrgStatus
from matchmaking.exceptions import Conflict, Forbidden, NotFound
from matchmaking.models import Achievement, Expert, IndexChange, Need, Organization
from matchmaking.organizations import repository
from matchmaking.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
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


# -- the same on behalf of a user (the JSON API), with contacts already redacted ------
def read(session: Session, p: Principal, org: Organization) -> OrganizationRead:
    """The read model, with the contact fields blank unless ``p`` may see them."""
    out = OrganizationRead.model_validate(org)
    if not permissions.can_see_contacts(session, p, org):
        out.contact_name = out.contact_phone = out.contact_email = ""
    return out


def list_as(
    session: Session,
    p: Principal,
    *,
    kind: OrgKind | None = None,
    town: str | None = None,
    district: str | None = None,
    status: OrgStatus | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[OrganizationRead]:
    """Organizations by kind, town, district and status; other than 已发布 is for staff."""
    if status is not OrgStatus.ACTIVE and not p.is_staff:
        if status is not None:
            permissions.require_staff(p)
        status = OrgStatus.ACTIVE
    found = repository.list_page(
        session,
        kind=kind,
        town=town,
        district=district,
        status=status,
        page=page,
        page_size=page_size,
    )
    return found.map(lambda rows: [read(session, p, o) for o in rows])


def get_as(session: Session, p: Principal, org_id: int) -> OrganizationRead:
    """One organization as ``p`` may see it (not yet approved or closed: its users, staff)."""
    org = get(session, org_id)
    if org.status != OrgStatus.ACTIVE.value and not permissions.can_manage_org(p, org):
        permissions.require_login(p)
        raise Forbidden("该单位尚未通过审核或已关闭")
    return read(session, p, org)


def create_as(session: Session, p: Principal, data: OrganizationCreate) -> OrganizationRead:
    """Add an organization (bureau staff, town staff in their town; others register)."""
    permissions.require_staff(p)
    permissions.ensure_can_create_org(p, towns.resolve(session, data.town))
    return read(session, p, create(session, data))


def update_as(
    session: Session, p: Principal, org_id: int, data: OrganizationUpdate
) -> OrganizationRead:
    """Change an organization (its own users; the status: staff)."""
    org = get(session, org_id)
    status_change = data.status is not None and data.status.value != org.status
    permissions.ensure_can_manage_org(p, org, status_change=status_change)
    return read(session, p, update_org(session, org_id, data))


def close_as(session: Session, p: Principal, org_id: int) -> OrganizationRead:
    """Close an organization (staff)."""
    permissions.ensure_can_manage_org(p, get(session, org_id), status_change=True)
    return read(session, p, close(session, org_id))
