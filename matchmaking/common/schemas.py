from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from matchmaking.common import pagination

T = TypeVar("T")


def _in_utc(value: datetime) -> datetime:
    # Timestamps are stored in UTC; SQLite hands them back without an offset.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A moment as the API gives it: RFC 3339 with its offset (``…Z``), never a naive time.
UtcDateTime = Annotated[datetime, AfterValidator(_in_utc)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the filters, over all pages")
    page: int
    page_size: int
    pages: int


class OrgBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    district: str
    town: str


class ItemReadBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    org: OrgBrief
    embedding_status: str = Field(description="pending until the worker has stored its vector")
    created_at: UtcDateTime
    updated_at: UtcDateTime


def make_page(found: pagination.Page[T]) -> Page[T]:
    """The JSON form of a page of the list (``page_size`` is its name in the API)."""
    return Page[T](
        items=found.items,
        total=found.total,
        page=found.page,
        page_size=found.size,
        pages=found.pages,
    )
