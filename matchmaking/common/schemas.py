from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

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


def make_page(items: list[T], total: int, page: int, page_size: int) -> Page[T]:
    return Page[T](
        items=items, total=total, page=page, page_size=page_size, pages=-(-total // page_size)
    )
