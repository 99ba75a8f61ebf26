"""Bounds of the numbers the database can hold (ids are BIGINT / SQLite INTEGER)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# One past this, SQLite raises OverflowError and PostgreSQL "out of range": both were 500s.
MAX_ID = 2**63 - 1
# page × page_size must stay an offset the database takes; no list has a million pages.
MAX_PAGE = 1_000_000

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
