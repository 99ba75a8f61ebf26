"""Queries shared by the three matchable kinds; each concept's repository extends it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from matchmaking.common.filters import ItemFilters
from matchmaking.common.pagination import Page, paginate
from matchmaking.common.validation import FIELD_LABELS, KIND_NOUNS
from matchmaking.enums import ItemStatus, Kind, OrgStatus
from matchmaking.exceptions import InvalidInput
from matchmaking.models import Achievement, Expert, IndexChange, Need, Organization
from matchmaking.towns import repository as towns

M = TypeVar("M", Need, Achievement, Expert)


class ItemRepository(Generic[M]):
    model: type[M]
    kind: ClassVar[Kind]
    # Filters this kind understands beyond field/town/district/org/status.
    extra_filters: ClassVar[frozenset[str]] = frozenset()

    def status_clause(self, today: date) -> ColumnElement[bool]:
        return self.model.status == ItemStatus.ACTIVE

    def active_clause(self, today: date) -> ColumnElement[bool]:
        """Items that may be shown and recommended: published, not expired, org not closed."""
        return and_(
            self.status_clause(today),
            self.model.org_id.in_(
                select(Organization.id).where(Organization.status == OrgStatus.ACTIVE)
            ),
        )

    def field_clause(self, field: str) -> ColumnElement[bool]:
        """Needs and achievements have one field; experts override it (several fields)."""
        return cast("type[Need | Achievement]", self.model).industry_field == field

    def filter_clauses(self, filters: ItemFilters) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        for name in ("maturity", "cooperation_mode"):
            value = getattr(filters, name)
            if value is None:
                continue
            if name not in self.extra_filters:
                raise InvalidInput(
                    f"筛选条件“{FIELD_LABELS.get(name, name)}”"
                    f"不适用于{KIND_NOUNS[self.kind.value]}",
                    field=name,
                )
            clauses.append(getattr(self.model, name) == value)
        if filters.industry_field is not None:
            clauses.append(self.field_clause(filters.industry_field))
        if filters.org_id is not None:
            clauses.append(self.model.org_id == filters.org_id)
        if filters.status is not None:
            clauses.append(self.model.status == filters.status)
        if filters.external_id is not None:
            clauses.append(self.model.external_id == filters.external_id)
        org_clauses = []
        if filters.town is not None:
            org_clauses.append(towns.named(Organization.town_id, filters.town))
        if filters.district is not None:
            org_clauses.append(Organization.district == filters.district)
        if org_clauses:
            clauses.append(self.model.org_id.in_(select(Organization.id).where(*org_clauses)))
        return clauses

    # -- reads -------------------------------------------------------------
    @cached_property
    def _get_stmt(self) -> Select[Any]:
        # Built once per repository: every page and recommendation starts with a get.
        return (
            select(self.model)
            .where(self.model.id == bindparam("item_id"))
            .options(joinedload(self.model.org))  # one query, not selectinload's two
            .execution_options(populate_existing=True)
        )

    def get(self, session: Session, item_id: int) -> M | None:
        return session.scalars(self._get_stmt, {"item_id": item_id}).one_or_none()

    def get_many(
        self,
        session: Session,
        ids: Sequence[int],
        *,
        today: date,
        filters: ItemFilters | None = None,
        exclude_org_id: int | None = None,
    ) -> dict[int, M]:
        """Active rows among ``ids`` that pass the filters, keyed by id."""
        if not ids:
            return {}
        stmt = (
            select(self.model)
            .where(self.model.id.in_(list(ids)), self.active_clause(today))
            .options(selectinload(self.model.org))
        )
        if filters is not None:
            stmt = stmt.where(*self.filter_clauses(filters))
        if exclude_org_id is not None:
            stmt = stmt.where(self.model.org_id != exclude_org_id)
        return {row.id: row for row in session.scalars(stmt)}

    def matching_ids(
        self,
        session: Session,
        *,
        today: date,
        filters: ItemFilters,
        exclude_org_id: int | None = None,
        limit: int = 50_000,
    ) -> list[int]:
        stmt = select(self.model.id).where(self.active_clause(today), *self.filter_clauses(filters))
        if exclude_org_id is not None:
            stmt = stmt.where(self.model.org_id != exclude_org_id)
        return list(session.scalars(stmt.limit(limit)))

    def find(
        self,
        session: Session,
        *,
        filters: ItemFilters,
        page: int,
        page_size: int,
        include_closed: bool,
        today: date,
        unpublished_of: ColumnElement[bool] | None = None,
    ) -> Page[M]:
        """A page of items; unless ``include_closed`` or a status filter, published ones only.

        ``unpublished_of`` (a clause over ``organizations``) limits the rest to the
        organizations whose closed or unpublished rows the caller may list.
        """
        base: Select[Any] = select(self.model).where(*self.filter_clauses(filters))
        if not include_closed and filters.status is None:
            base = base.where(self.active_clause(today))
        elif unpublished_of is not None:
            mine = self.model.org_id.in_(select(Organization.id).where(unpublished_of))
            base = base.where(or_(self.active_clause(today), mine))
        stmt = base.options(selectinload(self.model.org)).order_by(self.model.id.desc())
        return paginate(session, stmt, page, page_size)

    def all_ids(self, session: Session) -> list[int]:
        return list(session.scalars(select(self.model.id).order_by(self.model.id)))

    # -- writes ------------------------------------------------------------
    def record_change(self, session: Session, item_id: int) -> None:
        session.add(IndexChange(kind=self.kind.value, item_id=item_id))
