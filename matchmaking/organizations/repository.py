from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.common.pagination import Page, paginate
from matchmaking.models import Organization
from matchmaking.towns import repository as towns


def get(session: Session, org_id: int) -> Organization | None:
    return session.get(Organization, org_id)


def get_by_name(session: Session, name: str) -> Organization | None:
    return session.scalars(select(Organization).where(Organization.name == name)).one_or_none()


def list_page(
    session: Session,
    *,
    kind: str | None,
    town: str | None,
    district: str | None,
    status: str | None,
    page: int,
    page_size: int,
) -> Page[Organization]:
    stmt = select(Organization)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if town:
        stmt = stmt.where(towns.named(Organization.town_id, town))
    if district:
        stmt = stmt.where(Organization.district == district)
    if status:
        stmt = stmt.where(Organization.status == status)
    return paginate(session, stmt.order_by(Organization.id), page, page_size)
