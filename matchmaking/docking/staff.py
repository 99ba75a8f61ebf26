"""What bureau staff oversee: every need, achievement and organization in their scope.

Town-scoped staff see their town (by the organization's town, ``Principal.scope``);
district staff and administrators see everything. Unlike the public lists, every status is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from matchmaking.accounts.permissions import Principal, require_staff
from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import Kind, OrgStatus
from matchmaking.models import Achievement, Need, Organization
from matchmaking.towns import repository as towns_repository
from matchmaking.towns import service as towns_service

MODELS: dict[Kind, Any] = {Kind.NEEDS: Need, Kind.ACHIEVEMENTS: Achievement}


@dataclass(frozen=True)
class StaffFilters:
    industry_field: str | None = None
    town: str | None = None
    status: str | None = None
    keyword: str | None = None


def items(
    session: Session,
    p: Principal,
    kind: Kind,
    filters: StaffFilters,
    *,
    page: int = 1,
    page_size: int = 20,
) -> Page[Any]:
    """Needs or achievements of every status within the staff member's scope, newest first."""
    require_staff(p)
    model = MODELS[kind]
    stmt = p.scope.where(select(model).join(Organization, Organization.id == model.org_id))
    if filters.town:
        stmt = stmt.where(towns_repository.named(Organization.town_id, filters.town))
    if filters.industry_field:
        stmt = stmt.where(model.industry_field == filters.industry_field)
    if filters.status:
        stmt = stmt.where(model.status == filters.status)
    if filters.keyword and filters.keyword.strip():
        stmt = stmt.where(model.title.contains(filters.keyword.strip(), autoescape=True))
    stmt = stmt.options(selectinload(model.org)).order_by(model.id.desc())
    return paginate(session, stmt, page, page_size)


def organizations(
    session: Session,
    p: Principal,
    *,
    status: str | None = None,
    town: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Organization]:
    """Organizations in scope, those awaiting review first."""
    require_staff(p)
    stmt = p.scope.where(select(Organization))
    if town:
        stmt = stmt.where(towns_repository.named(Organization.town_id, town))
    if status:
        stmt = stmt.where(Organization.status == status)
    pending_first = case((Organization.status == OrgStatus.PENDING.value, 0), else_=1)
    stmt = stmt.order_by(pending_first, Organization.created_at.desc(), Organization.id.desc())
    return paginate(session, stmt, page, page_size)


def towns(session: Session) -> list[str]:
    """The district's towns in the bureau's order (for the filter menus)."""
    return towns_service.names(session)
