from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from matchmaking.enums import Kind
from matchmaking.matching import service as matching
from web.api.items import IncludeWeak, Limit, match_list
from web.api.schemas import MatchList
from web.deps import FiltersDep, IndexDep, SessionDep

router = APIRouter(tags=["search 搜索"])


@router.get("/search", response_model=MatchList)
def search(
    session: SessionDep,
    manager: IndexDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="中文或英文")],
    kind: Kind = Kind.ACHIEVEMENTS,
    limit: Limit = 10,
    include_weak: IncludeWeak = False,
) -> MatchList:
    """Free-text search over needs, achievements or experts (hybrid dense + BM25).

    Each result carries its calibrated relevance and band; results below the
    relevance line are left out unless include_weak=true."""
    matches = matching.search(
        session,
        manager,
        q=q,
        kind=kind,
        limit=limit,
        filters=filters,
        include_weak=include_weak,
    )
    return match_list(manager, matches, kind, None, session)
