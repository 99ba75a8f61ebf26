from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import OrgKind, OrgStatus
from matchmaking.exceptions import Forbidden
from matchmaking.models import Organization
from matchmaking.organizations import repository, service
from matchmaking.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
from web.deps import Page as PageQ
from web.deps import PageSize, PrincipalDep, SessionDep
from web.params import Id

router = APIRouter(prefix="/organizations", tags=["organizations 单位"])


@router.get("", response_model=Page[OrganizationRead])
def list_organizations(
    session: SessionDep,
    principal: PrincipalDep,
    kind: Annotated[OrgKind | None, Query()] = None,
    town: str | None = None,
    district: str | None = None,
    status: OrgStatus | None = None,
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[OrganizationRead]:
    """List organizations by kind, town, district and status (not 已发布: staff only)."""
    if status is not OrgStatus.ACTIVE and not principal.is_staff:
        if status is not None:
            permissions.require_staff(principal)
        status = OrgStatus.ACTIVE
    rows, total = repository.list_page(
        session,
        kind=kind,
        town=town,
        district=district,
        status=status,
        page=page,
        page_size=page_size,
    )
    items = [read(session, principal, r) for r in rows]
    return make_page(items, total, page, page_size)


@router.post("", response_model=OrganizationRead, status_code=201)
def create_organization(
    session: SessionDep, principal: PrincipalDep, data: OrganizationCreate
) -> OrganizationRead:
    """Add an organization (bureau staff; others register through /register)."""
    permissions.require_staff(principal)
    return read(session, principal, service.create(session, data))


@router.get("/{org_id}", response_model=OrganizationRead)
def read_organization(session: SessionDep, principal: PrincipalDep, org_id: Id) -> OrganizationRead:
    """One organization; contact details only for its users, staff, or after an accepted docking."""
    org = service.get(session, org_id)
    if org.status != OrgStatus.ACTIVE.value and not permissions.can_manage_org(principal, org):
        permissions.require_login(principal)
        raise Forbidden("该单位尚未通过审核或已关闭")
    return read(session, principal, org)


@router.patch("/{org_id}", response_model=OrganizationRead)
def update_organization(
    session: SessionDep, principal: PrincipalDep, org_id: Id, data: OrganizationUpdate
) -> OrganizationRead:
    """Change an organization (its own users; the status: staff)."""
    org = service.get(session, org_id)
    status_change = data.status is not None and data.status.value != org.status
    permissions.ensure_can_manage_org(principal, org, status_change=status_change)
    return read(session, principal, service.update_org(session, org_id, data))


@router.post("/{org_id}/close", response_model=OrganizationRead)
def close_organization(
    session: SessionDep, principal: PrincipalDep, org_id: Id
) -> OrganizationRead:
    """Close an organization: its items are no longer shown or recommended (staff)."""
    permissions.ensure_can_manage_org(principal, service.get(session, org_id), status_change=True)
    return read(session, principal, service.close(session, org_id))


def read(session: Session, principal: Principal, org: Organization) -> OrganizationRead:
    """The read model, with the contact fields blank unless the reader may see them."""
    out = OrganizationRead.model_validate(org)
    if not permissions.can_see_contacts(session, principal, org):
        out.contact_name = out.contact_phone = out.contact_email = ""
    return out
