from fastapi import APIRouter, Depends

from web.api import (
    dockings,
    event_requests,
    events,
    items,
    kpi,
    organizations,
    outcomes,
    search,
    system,
    visits,
)
from web.api.schemas import ERROR_RESPONSES
from web.deps import login_for_changes

router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(login_for_changes)], responses=ERROR_RESPONSES
)
router.include_router(organizations.router)
for item_router in items.routers():
    router.include_router(item_router)
router.include_router(dockings.router)
router.include_router(outcomes.agreements_router)
router.include_router(outcomes.contracts_router)
router.include_router(outcomes.audit_router)
router.include_router(events.router)
router.include_router(event_requests.router)
router.include_router(visits.router)
router.include_router(search.router)
router.include_router(system.router)
router.include_router(kpi.router)
