"""Create, update, read, list and close for the three matchable kinds.

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

from matchmaking import jobs
from matchmaking.common.filters import ItemFilters
from matchmaking.common.repository import ItemRepository, M
from matchmaking.common.validation import KIND_NOUNS
from matchmaking.enums import EmbeddingStatus, OrgKind
from matchmaking.exceptions import Conflict, InvalidInput, NotFound
from matchmaking.matching.text import item_text, text_hash
from matchmaking.models import Organization
from matchmaking.models.base import utcnow

EMBED_TASK = "embeddings.embed"

KIND_NAMES = KIND_NOUNS


def today() -> date:
    return utcnow().date()


class ItemService(Generic[M]):
    def __init__(
        self,
        repo: ItemRepository[M],
        *,
        natural_key: str,
        org_kinds: frozenset[OrgKind],
    ) -> None:
        self.repo = repo
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
    ) -> tuple[list[M], int]:
        return self.repo.list(
            session,
            filters=filters,
            page=page,
            page_size=page_size,
            include_closed=include_closed,
            today=today(),
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

    def create(self, session: Session, data: BaseModel) -> M:
        values = data.model_dump()
        self._check_org(session, values["org_id"])
        self._check_unique(session, values["org_id"], values[self.natural_key], None)
        item = self.repo.model(**values)
        session.add(item)
        session.flush()
        self._saved(session, item)
        return self.get(session, item.id)

    def update(self, session: Session, item_id: int, data: BaseModel) -> M:
        item = self.get(session, item_id)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
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

    def close(self, session: Session, item_id: int, status: str = "closed") -> M:
        item = self.get(session, item_id)
        item.status = status
        session.flush()
        self.repo.record_change(session, item.id)
        return item

    def _saved(self, session: Session, item: M) -> None:
        digest = text_hash(item_text(self.kind, item))
        if digest != item.text_hash or item.embedding_status != EmbeddingStatus.READY:
            item.text_hash = digest
            item.embedding_status = EmbeddingStatus.PENDING.value
            jobs.enqueue(session, EMBED_TASK, self.kind.value, [item.id])
        self.repo.record_change(session, item.id)
        session.flush()
