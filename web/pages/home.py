"""The home page: counts and search across needs, achievements and experts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from matchmaking.enums import Kind
from matchmaking.exceptions import MatchmakingError
from matchmaking.matching import embedding
from matchmaking.matching import service as matching
from web.deps import IndexDep
from web.pages.common import Ui

router = APIRouter()
KIND_LABELS = {"achievements": "科技成果", "needs": "技术需求", "experts": "专家"}


@router.get("/", response_class=HTMLResponse)
def home(
    ui: Ui,
    manager: IndexDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    kind: Kind = Kind.ACHIEVEMENTS,
) -> HTMLResponse:
    """Home: counts and search across needs, achievements and experts."""
    results: list[matching.Match] = []
    error = ""
    if q.strip():
        try:
            results = matching.search(ui.session, manager, q=q, kind=kind, limit=20)
        except MatchmakingError as exc:
            error = exc.message
    counts = embedding.counts(ui.session, manager.model_id)
    return ui.render(
        "home.html",
        {
            "q": q,
            "kind": kind.value,
            "kinds": KIND_LABELS,
            "results": results,
            "error": error,
            "counts": counts,
        },
    )
