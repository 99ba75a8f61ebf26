"""Path and query parameter types shared by the API and the pages, and the one guard
that keeps numbers the database cannot hold away from it (they answered 500)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from matchmaking.common.numbers import MAX_ID, MAX_PAGE

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")]

_INTEGER = re.compile(r"[+-]?\d+")
# More digits than any bound has: past it without converting (Python refuses to turn
# a string of over 4300 digits into an int, which answered 500).
_MAX_DIGITS = 19


def _past(value: str, bound: int) -> bool:
    digits = value.strip().lstrip("+-").lstrip("0")
    return len(digits) > _MAX_DIGITS or abs(int(value)) > bound


_BOUNDS = {"page": MAX_PAGE}


def _query_bound(name: str) -> int | None:
    if name in _BOUNDS:
        return _BOUNDS[name]
    return MAX_ID if name == "id" or name.endswith(("_id", "page_size", "limit")) else None


async def bounded_numbers(request: Request) -> None:
    """An app-wide dependency: a path id past the largest is not found (404), a page or
    id filter past it is refused (422), whatever the route declares. Routes declare the
    bounds too (``Id``, ``PageNumber``) so that the API schema states them."""
    for value in request.path_params.values():
        if isinstance(value, str) and _INTEGER.fullmatch(value) and _past(value, MAX_ID):
            raise HTTPException(status_code=404)
    for name, value in request.query_params.multi_items():
        bound = _query_bound(name)
        # A number past the bound either way: a huge negative id overflows the database
        # as surely as a huge positive one (the route's own ge=1 would not be reached).
        if bound is not None and _INTEGER.fullmatch(value.strip()) and _past(value, bound):
            # Every guarded number (ids, pages, sizes) starts at 1.
            error: dict[str, object] = (
                {
                    "type": "less_than_equal",
                    "msg": f"Input should be less than or equal to {bound}",
                    "ctx": {"le": bound},
                }
                if not value.strip().startswith("-")
                else {
                    "type": "greater_than_equal",
                    "msg": "Input should be greater than or equal to 1",
                    "ctx": {"ge": 1},
                }
            )
            raise RequestValidationError([{**error, "loc": ("query", name), "input": value}])
