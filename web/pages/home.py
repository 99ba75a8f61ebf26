"""The home page: the search box, ways in by industry and town, the latest items,
upcoming events and the bureau's contact."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking.browse import service as browse
from matchmaking.config import Settings
from matchmaking.matching import embedding
from web.deps import IndexDep
from web.pages.common import Ui
from web.pages.search import KIND_LABELS

router = APIRouter()


@router.get("/", response_model=None)
def home(
    ui: Ui,
    manager: IndexDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    kind: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse | RedirectResponse:
    """Home; a search asked of it (``/?q=…``, old links) goes to the search page."""
    if q.strip() or kind.strip():
        params = {k: v for k, v in (("q", q), ("kind", kind)) if v.strip()}
        return RedirectResponse("/search?" + urlencode(params), status_code=303)
    settings: Settings = ui.request.app.state.settings
    return ui.render(
        "home.html",
        {
            "kinds": KIND_LABELS,
            "counts": embedding.counts(ui.session, manager.model_id),
            "o": browse.overview(ui.session),
            "bureau_name": settings.bureau_name,
            "bureau_contact": settings.bureau_contact,
        },
    )
