"""Request dependencies: the request owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from matchmaking.common.filters import ItemFilters
from matchmaking.db import session_scope
from matchmaking.enums import CooperationMode, IndustryField, Maturity
from matchmaking.matching.indexes import IndexManager


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the endpoint returns, roll back when it raises."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


def get_index_manager(request: Request) -> IndexManager:
    manager: IndexManager = request.app.state.index_manager
    return manager


# scope="function": commit before the response is sent, so a client that got
# 201 can read the row at once, and a failed commit is an error, not a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
IndexDep = Annotated[IndexManager, Depends(get_index_manager)]


def item_filters(
    industry_field: Annotated[IndustryField | None, Query(description="行业领域")] = None,
    town: Annotated[str | None, Query(description="所在区镇")] = None,
    district: Annotated[str | None, Query(description="所在区县")] = None,
    maturity: Annotated[Maturity | None, Query(description="成熟度（仅科技成果）")] = None,
    cooperation_mode: Annotated[CooperationMode | None, Query(description="合作方式")] = None,
) -> ItemFilters:
    return ItemFilters(
        industry_field=industry_field,
        town=town,
        district=district,
        maturity=maturity,
        cooperation_mode=cooperation_mode,
    )


FiltersDep = Annotated[ItemFilters, Depends(item_filters)]
Page = Annotated[int, Query(ge=1, description="页码，从 1 开始")]
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数")]
