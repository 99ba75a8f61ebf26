from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import ItemStatus, OrgKind
from matchmaking.organizations import repository, service
from matchmaking.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
from web.deps import Page as PageQ
from web.deps import PageSize, SessionDep

router = APIRouter(prefix="/organizations", tags=["organizations 单位"])


@router.get("", response_model=Page[OrganizationRead])
def list_organizations(
    session: SessionDep,
    kind: Annotated[OrgKind | None, Query()] = None,
    town: str | None = None,
    district: str | None = None,
    status: ItemStatus | None = None,
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[OrganizationRead]:
    """List organizations, filtered by kind, town, district and status."""
    rows, total = repository.list_page(
        session,
        kind=kind,
        town=town,
        district=district,
        status=status,
        page=page,
        page_size=page_size,
    )
    items = [OrganizationRead.model_validate(r) for r in rows]
    return make_page(items, total, page, page_size)


@router.post("", response_model=OrganizationRead, status_code=201)
def create_organization(session: SessionDep, data: OrganizationCreate) -> OrganizationRead:
    """Register an organization."""
    return OrganizationRead.model_validate(service.create(session, data))


@router.get("/{org_id}", response_model=OrganizationRead)
def read_organization(session: SessionDep, org_id: int) -> OrganizationRead:
    """One organization."""
    return OrganizationRead.model_validate(service.get(session, org_id))


@router.patch("/{org_id}", response_model=OrganizationRead)
def update_organization(
    session: SessionDep, org_id: int, data: OrganizationUpdate
) -> OrganizationRead:
    """Change an organization."""
    return OrganizationRead.model_validate(service.update_org(session, org_id, data))


@router.post("/{org_id}/close", response_model=OrganizationRead)
def close_organization(session: SessionDep, org_id: int) -> OrganizationRead:
    """Close an organization: its items are no longer shown or recommended."""
    return OrganizationRead.model_validate(service.close(session, org_id))
