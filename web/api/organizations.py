"""JSON API: organizations (the service decides who sees what and blanks contacts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import OrgKind, OrgStatus
from matchmaking.organizations import service
from matchmaking.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
from web.api.idempotency import IdempotencyDep
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
    found = service.list_as(
        session,
        principal,
        kind=kind,
        town=town,
        district=district,
        status=status,
        page=page,
        page_size=page_size,
    )
    return make_page(found)


@router.post("", response_model=OrganizationRead, status_code=201)
def create_organization(
    session: SessionDep,
    principal: PrincipalDep,
    data: OrganizationCreate,
    idempotent: IdempotencyDep,
) -> Any:
    """Add an organization (bureau staff; others register through /register)."""
    return idempotent.run(
        session, lambda: service.create_as(session, principal, data), status_code=201
    )


@router.get("/{org_id}", response_model=OrganizationRead)
def read_organization(session: SessionDep, principal: PrincipalDep, org_id: Id) -> OrganizationRead:
    """One organization; contact details only for its users, staff, or after an accepted docking."""
    return service.get_as(session, principal, org_id)


@router.patch("/{org_id}", response_model=OrganizationRead)
def update_organization(
    session: SessionDep, principal: PrincipalDep, org_id: Id, data: OrganizationUpdate
) -> OrganizationRead:
    """Change an organization (its own users; the status: staff)."""
    return service.update_as(session, principal, org_id, data)


@router.post("/{org_id}/close", response_model=OrganizationRead)
def close_organization(
    session: SessionDep, principal: PrincipalDep, org_id: Id
) -> OrganizationRead:
    """Close an organization: its items are no longer shown or recommended (staff)."""
    return service.close_as(session, principal, org_id)
