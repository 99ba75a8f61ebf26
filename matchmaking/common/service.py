"""Create, update, read, list, close and reopen for the three matchable kinds.

Every write commits the row at once with ``embedding_status=pending`` when its
text changed, enqueues the embedding task (sent after the commit), and appends
an ``IndexChange`` so that every serving process brings its indexes up to date.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock, jobs
from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.common.filters import ItemFilters
from matchmaking.common.pagination import Page
from matchmaking.common.repository import ItemRepository, M
from matchmaking.common.validation import FIELD_LABELS, KIND_NOUNS
from matchmaking.enums import EmbeddingStatus, ItemStatus, Kind, NeedStatus, OrgKind
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching.text import item_text, text_hash
from matchmaking.models import Organization

EMBED_TASK = "embeddings.embed"

KIND_NAMES = KIND_NOUNS
# The status an item is published with, and the one closing it gives.
OPEN_STATUS: dict[Kind, NeedStatus | ItemStatus] = {
    Kind.NEEDS: NeedStatus.OPEN,
    Kind.ACHIEVEMENTS: ItemStatus.ACTIVE,
    Kind.EXPERTS: ItemStatus.ACTIVE,
}
CLOSED_STATUS: dict[Kind, NeedStatus | ItemStatus] = {
    Kind.NEEDS: NeedStatus.CLOSED,
    Kind.ACHIEVEMENTS: ItemStatus.CLOSED,
    Kind.EXPERTS: ItemStatus.CLOSED,
}


class ItemService(Generic[M]):
    def __init__(
        self,
        repo: ItemRepository[M],
        *,
        natural_key: str,
        org_kinds: frozenset[OrgKind],
        read_schema: type[BaseModel],
    ) -> None:
        self.repo: ItemRepository[M] = repo
        self.read_schema = read_schema
        self.kind = repo.kind
        self.natural_key = natural_key
        self.org_kinds = org_kinds
        self.noun = KIND_NAMES[self.kind.value]

    def get(self, session: Session, item_id: int) -> M:
        item = self.repo.get(session, item_id)
        if item is None:
            raise NotFound(f"{self.noun} {item_id} 不存在")
        return item

    def list_page(
        self,
        session: Session,
        *,
        filters: ItemFilters,
        page: int = 1,
        page_size: int = 20,
        include_closed: bool = False,
    ) -> Page[M]:
        """One page of items passing ``filters``, newest first (published ones only unless
        ``include_closed`` or a status filter)."""
        return self.repo.find(
            session,
            filters=filters,
            page=page,
            page_size=page_size,
            include_closed=include_closed,
            today=clock.local_today(),
        )

    def _check_org(self, session: Session, org_id: int) -> Organization:
        org = session.get(Organization, org_id)
        if org is None:
            raise InvalidInput(f"单位 {org_id} 不存在", field="org_id")
        if org.kind not in self.org_kinds:
            allowed = "、".join(k.label for k in sorted(self.org_kinds))
            raise InvalidInput(
                f"“{org.name}”是{OrgKind(org.kind).label}，只有{allowed}可以发布{self.noun}",
                field="org_id",
            )
        return org

    def _check_unique(self, session: Session, org_id: int, key: str, item_id: int | None) -> None:
        column = getattr(self.repo.model, self.natural_key)
        stmt = select(self.repo.model.id).where(self.repo.model.org_id == org_id, column == key)
        existing = session.scalars(stmt).first()
        if existing is not None and existing != item_id:
            raise Conflict(
                f"本单位已有同名{self.noun}“{key}”（编号 {existing}），请修改或直接编辑它",
                field=self.natural_key,
            )

    def find_by_key(
        self, session: Session, org_id: int, key: str, external_id: str | None
    ) -> M | None:
        """The item an import row refers to: by external id if given, else by org + title."""
        model = self.repo.model
        if external_id:
            stmt = select(model).where(model.org_id == org_id, model.external_id == external_id)
            found = session.scalars(stmt).first()
            if found is not None:
                return found
        stmt = select(model).where(model.org_id == org_id, getattr(model, self.natural_key) == key)
        return session.scalars(stmt).first()

    def _check_deadline(self, changes: dict[str, Any], current: date | None) -> None:
        """A new or changed deadline may not be in the past (the district's today);
        an untouched one that has since passed is left alone."""
        deadline = changes.get("deadline")
        if deadline is None or deadline == current:
            return
        today = clock.local_today()
        if deadline < today:
            label = FIELD_LABELS["deadline"]
            raise InvalidInput(f"{label}：不能早于今天（{today.isoformat()}）", field="deadline")

    def create(self, session: Session, data: BaseModel, *, past_deadline_ok: bool = False) -> M:
        """Add an item; ``past_deadline_ok`` only for loading historical data (the demo)."""
        values = data.model_dump()
        if not past_deadline_ok:
            self._check_deadline(values, None)
        self._check_org(session, values["org_id"])
        self._check_unique(session, values["org_id"], values[self.natural_key], None)
        item = self.repo.model(**values)
        session.add(item)
        session.flush()
        self._saved(session, item)
        return self.get(session, item.id)

    def update(
        self, session: Session, item_id: int, data: BaseModel, *, past_deadline_ok: bool = False
    ) -> M:
        item = self.get(session, item_id)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        if not past_deadline_ok:
            self._check_deadline(changes, getattr(item, "deadline", None))
        if "org_id" in changes:
            self._check_org(session, changes["org_id"])
        org_id = changes.get("org_id", item.org_id)
        key = changes.get(self.natural_key, getattr(item, self.natural_key))
        self._check_unique(session, org_id, key, item.id)
        for name, value in changes.items():
            setattr(item, name, value)
        session.flush()
        self._saved(session, item)
        return item

    def set_status(self, session: Session, item_id: int, status: NeedStatus | ItemStatus) -> M:
        """Give the item this status (imports, dockings); the indexes learn of it."""
        if not isinstance(status, type(OPEN_STATUS[self.kind])):
            raise InvalidInput(f"{self.noun}没有“{status}”这一状态", field="status")
        item = self.get(session, item_id)
        # Checked above: the status type goes with the kind, which mypy cannot see through M.
        setattr(item, "status", status)  # noqa: B010
        session.flush()
        self.repo.record_change(session, item.id)
        return item

    # -- the same operations on behalf of a user (pages and the JSON API) ----------
    def get_visible(self, session: Session, p: Principal, item_id: int) -> M:
        """The item if this user may see it (published, or theirs, or staff in scope)."""
        item = self.get(session, item_id)
        permissions.ensure_can_view(p, self.kind, item)
        return item

    def read(self, session: Session, p: Principal, item: M) -> Any:
        """The read model as ``p`` may see it: a need's contact is blank unless permitted."""
        out = self.read_schema.model_validate(item)
        if getattr(out, "contact_name", "") and not permissions.can_see_contacts(
            session, p, item.org
        ):
            out.contact_name = ""  # type: ignore[attr-defined]
        return out

    def read_as(self, session: Session, p: Principal, item_id: int) -> Any:
        """The item's read model if ``p`` may see it (contacts redacted)."""
        return self.read(session, p, self.get_visible(session, p, item_id))

    def list_as(
        self,
        session: Session,
        p: Principal,
        *,
        filters: ItemFilters,
        page: int = 1,
        page_size: int = 20,
        include_closed: bool = False,
    ) -> Page[Any]:
        """One page of read models; closed or unpublished ones only for their org and staff."""
        unpublished_of = None
        if include_closed or filters.status is not None:
            unpublished_of = permissions.ensure_can_list_unpublished(p, filters.org_id)
        found = self.repo.find(
            session,
            filters=filters,
            page=page,
            page_size=page_size,
            include_closed=include_closed,
            today=clock.local_today(),
            unpublished_of=unpublished_of,
        )
        return found.map(lambda rows: [self.read(session, p, r) for r in rows])

    def create_as(self, session: Session, p: Principal, data: BaseModel) -> M:
        """Create for the user's own organization (staff: any organization in scope)."""
        org_id = getattr(data, "org_id", None)
        org = session.get(Organization, org_id) if org_id is not None else None
        if org is None:
            permissions.require_login(p)
            raise InvalidInput(f"单位 {org_id} 不存在", field="org_id")
        permissions.ensure_can_create(p, self.kind, org)
        return self.create(session, data)

    def update_as(self, session: Session, p: Principal, item_id: int, data: BaseModel) -> M:
        """Change an item the user may edit; moving it to another organization is for staff."""
        item = self.get(session, item_id)
        permissions.ensure_can_edit(p, self.kind, item)
        new_org = getattr(data, "org_id", None)
        if new_org is not None and new_org != item.org_id:
            target = session.get(Organization, new_org)
            if target is None:
                raise InvalidInput(f"单位 {new_org} 不存在", field="org_id")
            if not p.scope.allows(target):
                raise Forbidden("只有科技局工作人员可以把条目转到其他单位", field="org_id")
        return self.update(session, item_id, data)

    def close_as(self, session: Session, p: Principal, item_id: int) -> M:
        """Close an item the user may edit: it is no longer shown or recommended."""
        return self.set_status_as(session, p, item_id, CLOSED_STATUS[self.kind])

    def reopen_as(self, session: Session, p: Principal, item_id: int) -> M:
        """Publish a closed item again (a need is open for solutions again)."""
        return self.set_status_as(session, p, item_id, OPEN_STATUS[self.kind])

    def set_status_as(
        self, session: Session, p: Principal, item_id: int, status: NeedStatus | ItemStatus
    ) -> M:
        """Give an item the user may edit any status of its kind (a need's status menu)."""
        item = self.get(session, item_id)
        permissions.ensure_can_edit(p, self.kind, item)
        return self.set_status(session, item_id, status)

    def _saved(self, session: Session, item: M) -> None:
        digest = text_hash(item_text(self.kind, item))
        if digest != item.text_hash or item.embedding_status != EmbeddingStatus.READY:
            item.text_hash = digest
            item.embedding_status = EmbeddingStatus.PENDING
            jobs.enqueue(session, EMBED_TASK, self.kind.value, [item.id])
        self.repo.record_change(session, item.id)
        session.flush()
