"""One way to cut a list into pages: ``paginate(session, statement, page, size)``.

Every list (staff lists, my items, dockings, notifications, the JSON API) counts the
rows of the same statement and reads one page of it; the pages and the API render
the ``Page`` it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, how many match over all pages, and where we are."""

    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """How many pages the list has (0 when it is empty)."""
        return -(-self.total // self.size)

    def map(self, convert: Callable[[Sequence[T]], Sequence[U]]) -> Page[U]:
        """The same page with its items converted (all at once, so reads can be batched)."""
        return Page(list(convert(self.items)), self.total, self.page, self.size)


def paginate(session: Session, statement: Select[Any], page: int, size: int) -> Page[Any]:
    """Count the rows of ``statement`` and read page ``page`` (from 1) of ``size`` rows."""
    page = max(1, page)
    counted = statement.order_by(None).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    rows = session.scalars(statement.offset((page - 1) * size).limit(size))
    return Page(list(rows), int(total), page, size)
