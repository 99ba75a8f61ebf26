"""JSON API: docking requests and their steps (the same service and rules as the pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from matchmaking.common.schemas import Page, make_page
from matchmaking.docking import service
from matchmaking.docking.schemas import (
    Action,
    Box,
    DockingAction,
    DockingDetail,
    DockingRead,
    DockingRequest,
)
from matchmaking.enums import DockingStatus
from matchmaking.matching import pairs
from web.api.idempotency import IdempotencyDep
from web.deps import IndexDep, PageSize, PrincipalDep, SessionDep
from web.deps import Page as PageQ
from web.params import Id

router = APIRouter(prefix="/dockings", tags=["dockings 对接"])


@router.get("", response_model=Page[DockingRead])
def list_dockings(
    session: SessionDep,
    principal: PrincipalDep,
    box: Annotated[
        Box, Query(description="incoming 收到的 | outgoing 发出的 | all 全部")
    ] = Box.ALL,
    status: Annotated[DockingStatus | None, Query(description="对接状态")] = None,
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[DockingRead]:
    """My dockings (staff: those in their scope), newest activity first."""
    found = service.list_for(
        session, principal, box=box, status=status, page=page, page_size=page_size
    )
    return make_page(found)


@router.post("", response_model=DockingDetail, status_code=201)
def request_docking(
    session: SessionDep,
    principal: PrincipalDep,
    data: DockingRequest,
    idempotent: IdempotencyDep,
    manager: IndexDep,
) -> Any:
    """Request a docking between a need and an achievement or expert; the other side is notified."""

    def create() -> DockingDetail:
        fit = pairs.fit_for(session, manager, data.need_id, data.target_kind, data.target_id)
        docking = service.request(
            session,
            principal,
            need_id=data.need_id,
            target_kind=data.target_kind,
            target_id=data.target_id,
            message=data.message,
            score=fit,
            origin=data.origin,
        )
        return service.detail(session, principal, docking.id)

    return idempotent.run(session, create, status_code=201)


@router.get("/{docking_id}", response_model=DockingDetail)
def read_docking(session: SessionDep, principal: PrincipalDep, docking_id: Id) -> DockingDetail:
    """One docking with its history; contact details of the other side once accepted."""
    return service.detail(session, principal, docking_id)


@router.post("/{docking_id}/{action}", response_model=DockingDetail)
def act_on_docking(
    session: SessionDep,
    principal: PrincipalDep,
    docking_id: Id,
    action: Action,
    data: DockingAction | None = None,
) -> DockingDetail:
    """Accept, decline (reason required), negotiate or sign (with the agreement's fields:
    signing creates the cooperation agreement); the other side is notified."""
    body = data or DockingAction()
    service.act(
        session,
        principal,
        docking_id,
        action,
        message=body.message,
        reason=body.reason,
        agreement=body.agreement,
    )
    return service.detail(session, principal, docking_id)
