"""The search page: search or browse needs, achievements and experts by filters."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from matchmaking.browse import service as browse
from matchmaking.enums import CooperationMode, IndustryField, Kind, Maturity
from matchmaking.exceptions import MatchmakingError
from matchmaking.towns import repository as towns
from web.deps import IndexDep
from web.pages.common import Ui
from web.params import PageNumber

router = APIRouter()
KIND_LABELS = {k.value: k.label for k in (Kind.ACHIEVEMENTS, Kind.NEEDS, Kind.EXPERTS)}
Text = Annotated[str, Query(max_length=2000)]
Choice = Annotated[str, Query(max_length=200)]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    ui: Ui,
    manager: IndexDep,
    q: Text = "",
    kind: Choice = "",
    industry: Choice = "",
    town: Choice = "",
    maturity: Choice = "",
    mode: Choice = "",
    sort: Choice = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """Search (a query: ranked by the calibrated relevance) or browse (filters only)."""
    error = ""
    result = None
    try:
        params = browse.parse(
            ui.session,
            q=q,
            kind=kind,
            industry=industry,
            town=town,
            maturity=maturity,
            mode=mode,
            sort=sort,
            page=page,
        )
    except MatchmakingError as exc:
        error = exc.message
        params = browse.Params(q=q.strip()[: browse.MAX_QUERY])
    else:
        try:
            result = browse.search(ui.session, manager, params)
        except MatchmakingError as exc:
            error = exc.message
    query = urlencode(params.query_string())
    return ui.render(
        "search.html",
        {
            "p": params,
            "kinds": KIND_LABELS,
            "sorts": browse.SORTS,
            "choices": {
                "industry": [(f.value, f.label) for f in IndustryField],
                "town": [(t.name, t.name) for t in towns.ordered(ui.session, active_only=True)],
                "maturity": [(m.value, m.label) for m in Maturity],
                "mode": [(m.value, m.label) for m in CooperationMode],
            },
            "clear_filters": urlencode(
                params.query_string(industry="", town="", maturity="", mode="")
            ),
            "result": result,
            "error": error,
            "query": query + "&" if query else "",
            "maturity_kinds": [k.value for k in browse.MATURITY_KINDS],
            "mode_kinds": [k.value for k in browse.MODE_KINDS],
        },
        status_code=400 if error and result is None else 200,
    )
