"""Server-rendered pages (Simplified Chinese)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from matchmaking.enums import CooperationMode, IndustryField, Kind, Maturity
from matchmaking.exceptions import MatchmakingError
from matchmaking.matching import embedding
from matchmaking.matching import service as matching
from web.deps import IndexDep, SessionDep

TEMPLATES = Path(__file__).with_name("templates")


def _label(enum: Any, code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(enum(code).label)
    except ValueError:
        return code


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
env.filters["field_label"] = lambda c: _label(IndustryField, c)
env.filters["mode_label"] = lambda c: _label(CooperationMode, c)
env.filters["maturity_label"] = lambda c: _label(Maturity, c)
templates = Jinja2Templates(env=env)

router = APIRouter(include_in_schema=False)
KIND_LABELS = {"achievements": "科技成果", "needs": "技术需求", "experts": "专家"}


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    manager: IndexDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    kind: Kind = Kind.ACHIEVEMENTS,
) -> HTMLResponse:
    """Home: counts and search across needs, achievements and experts."""
    results: list[matching.Match] = []
    error = ""
    if q.strip():
        try:
            results = matching.search(session, manager, q=q, kind=kind, limit=20)
        except MatchmakingError as exc:
            error = exc.message
    counts = embedding.counts(session, manager.model_id)
    return templates.TemplateResponse(
        request,
        "pages/home.html",
        {
            "q": q,
            "kind": kind.value,
            "kinds": KIND_LABELS,
            "results": results,
            "error": error,
            "counts": counts,
        },
    )
