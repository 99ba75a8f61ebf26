"""Server-rendered pages (Simplified Chinese), one module per area.

Every page router carries the CSRF check for its form posts.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from web.deps import csrf_protect
from web.pages import (
    achievements,
    auth,
    contest,
    docking,
    event_reports,
    event_requests,
    events,
    experts,
    home,
    kpi,
    needs,
    notifications,
    outbound,
    outcomes,
    reports,
    search,
    staff,
    towns,
    transfer,
    visits,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
for module in (
    home,
    search,
    auth,
    outbound,
    notifications,
    needs,
    achievements,
    experts,
    docking,
    outcomes,
    event_requests,
    events,
    event_reports,
    staff,
    towns,
    transfer,
    kpi,
    reports,
    contest,
    visits,
):
    router.include_router(module.router)
