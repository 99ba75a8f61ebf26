from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from matchmaking.common import pagination

T = TypeVar("T")


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
    created_at: datetime
    updated_at: datetime


def make_page(found: pagination.Page[T]) -> Page[T]:
    """The JSON form of a page of the list (``page_size`` is its name in the API)."""
    return Page[T](
        items=found.items,
        total=found.total,
        page=found.page,
        page_size=found.size,
        pages=found.pages,
    )
