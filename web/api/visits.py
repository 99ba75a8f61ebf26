"""JSON API: clinic visit campaigns (技术专家巡诊), their requests, runs and diagnoses.

The same services and rules as the pages at /visits.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from matchmaking.common.schemas import Page, make_page
from matchmaking.visits import brief as briefs
from matchmaking.visits import diagnosis, edits, service
from matchmaking.visits.schemas import (
    AddExpert,
    AssignmentRead,
    CampaignCreate,
    CampaignRead,
    DiagnosisAsk,
    DiagnosisRead,
    DiagnosisWrite,
    DraftPublish,
    DraftRead,
    FollowUpRead,
    InviteExperts,
    MoveVisit,
    PoolExpertSet,
    ProposeDocking,
    ReplaceExpert,
    RequestRead,
    RunRead,
)
from matchmaking.visits.states import CampaignAction
from web.deps import IndexDep, PageSize, PrincipalDep, SessionDep
from web.deps import Page as PageQ
from web.params import Id

router = APIRouter(prefix="/visits", tags=["visits 技术专家巡诊"])


class StatusMove(BaseModel):
    action: Literal["open", "finish"] = Field(description="open 开始征集 | finish 结束活动")


class Answer(BaseModel):
    reason: str = Field(default="", max_length=2000, description="谢绝原因（谢绝时必填）")


class DraftCount(BaseModel):
    count: int = Field(default=1, ge=1, le=5, description="起草几条需求")


class Lock(BaseModel):
    locked: bool = True


@router.get("", response_model=Page[CampaignRead])
def list_campaigns(
    session: SessionDep, principal: PrincipalDep, page: PageQ = 1, page_size: PageSize = 20
) -> Page[CampaignRead]:
    """Campaigns: staff see those of their scope (drafts too), others the open and past ones."""
    return make_page(service.list_campaigns(session, principal, page=page, page_size=page_size))


@router.post("", response_model=CampaignRead, status_code=201)
def create_campaign(session: SessionDep, principal: PrincipalDep, data: CampaignCreate) -> Any:
    """Create a campaign (draft): half-days, towns, theme, experts per visit."""
    c = service.create_campaign(session, principal, data)
    return service.campaign_read(session, c)


@router.get("/mine", response_model=list[AssignmentRead])
def my_visits(session: SessionDep, principal: PrincipalDep) -> list[AssignmentRead]:
    """The expert's visits in published assignments."""
    return service.my_visits(session, principal)


@router.get("/follow-ups/overdue", response_model=list[FollowUpRead])
def overdue(session: SessionDep, principal: PrincipalDep) -> list[FollowUpRead]:
    """Follow-up actions past due and not done, in the staff member's scope."""
    return diagnosis.overdue(session, principal)


@router.get("/{campaign_id}", response_model=CampaignRead)
def read_campaign(session: SessionDep, principal: PrincipalDep, campaign_id: Id) -> Any:
    """One campaign."""
    return service.campaign_read(session, service.read_campaign(session, principal, campaign_id))


@router.post("/{campaign_id}/status", response_model=CampaignRead)
def move_campaign(
    session: SessionDep, principal: PrincipalDep, campaign_id: Id, data: StatusMove
) -> Any:
    """Open a campaign for requests, or finish it."""
    c = service.move_campaign(session, principal, campaign_id, CampaignAction(data.action))
    return service.campaign_read(session, c)


@router.post("/{campaign_id}/experts")
def invite_experts(
    session: SessionDep, principal: PrincipalDep, campaign_id: Id, data: InviteExperts
) -> dict[str, int]:
    """Invite published experts by field or id into the campaign's pool."""
    return {"invited": service.invite(session, principal, campaign_id, data)}


@router.put("/{campaign_id}/experts/{expert_id}")
def set_pool_expert(
    session: SessionDep,
    principal: PrincipalDep,
    campaign_id: Id,
    expert_id: Id,
    data: PoolExpertSet,
) -> dict[str, Any]:
    """An expert's free half-days and visit range (staff, or the expert themself)."""
    row = service.set_pool_expert(session, principal, campaign_id, expert_id, data)
    return {
        "expert_id": row.expert_id,
        "available": row.available,
        "min_visits": row.min_visits,
        "max_visits": row.max_visits,
        "status": row.status.value,
    }


@router.get("/{campaign_id}/requests", response_model=Page[RequestRead])
def list_requests(
    session: SessionDep,
    principal: PrincipalDep,
    campaign_id: Id,
    page: PageQ = 1,
    page_size: PageSize = 50,
) -> Page[RequestRead]:
    """Diagnosis requests: staff those of their scope, a company its own."""
    found = service.list_requests(session, principal, campaign_id, page=page, page_size=page_size)
    return make_page(found)


@router.post("/{campaign_id}/requests", response_model=RequestRead, status_code=201)
def ask(
    session: SessionDep,
    principal: PrincipalDep,
    campaign_id: Id,
    data: DiagnosisAsk,
    response: Response,
) -> Any:
    """Ask for a diagnosis; asking again returns the existing request (200)."""
    r, created = service.ask(session, principal, campaign_id, data)
    if not created:
        response.status_code = 200
    return service.request_read(session, principal, r)


@router.post("/{campaign_id}/runs", response_model=RunRead, status_code=202)
def start_run(session: SessionDep, principal: PrincipalDep, campaign_id: Id) -> Any:
    """Run the assignment (a new version, computed by the worker)."""
    return service.run_read(service.start_run(session, principal, campaign_id))


@router.get("/{campaign_id}/runs", response_model=list[RunRead])
def list_runs(session: SessionDep, principal: PrincipalDep, campaign_id: Id) -> list[RunRead]:
    """The campaign's runs, newest first (a run that stopped reporting shows failed)."""
    return [service.run_read(r) for r in service.runs_of(session, principal, campaign_id)]


@router.post("/{campaign_id}/rollback")
def rollback(session: SessionDep, principal: PrincipalDep, campaign_id: Id) -> dict[str, Any]:
    """Go back to the previously published run (none: planning again)."""
    run = service.rollback(session, principal, campaign_id)
    return {"published_run": run.id if run is not None else None}


@router.get("/{campaign_id}/sheet")
def day_sheet(
    session: SessionDep,
    principal: PrincipalDep,
    campaign_id: Id,
    town: str | None = None,
    expert_id: int | None = None,
) -> list[dict[str, Any]]:
    """Published visits by half-day (a town's or an expert's); contacts only where allowed."""
    return service.day_sheet(session, principal, campaign_id, town=town, expert_id=expert_id)


@router.get("/runs/{run_id}")
def read_run(session: SessionDep, principal: PrincipalDep, run_id: Id) -> dict[str, Any]:
    """A run's draft: visits with experts, scores, shared terms, alternates; loads; unstaffed."""
    return service.draft(session, principal, run_id)


@router.post("/runs/{run_id}/publish", response_model=RunRead)
def publish(session: SessionDep, principal: PrincipalDep, run_id: Id) -> Any:
    """Publish this run (the campaign's one published run; assigned experts are told)."""
    return service.run_read(service.publish(session, principal, run_id))


@router.post("/runs/{run_id}/cancel", response_model=RunRead)
def cancel(session: SessionDep, principal: PrincipalDep, run_id: Id) -> Any:
    """Cancel a queued or running run."""
    return service.run_read(service.cancel_run(session, principal, run_id))


@router.post("/assignments/{assignment_id}/lock")
def lock(
    session: SessionDep, principal: PrincipalDep, assignment_id: Id, data: Lock
) -> dict[str, bool]:
    """Lock (or unlock) a draft assignment: the next run keeps it."""
    service.set_locked(session, principal, assignment_id, data.locked)
    return {"locked": data.locked}


@router.put("/assignments/{assignment_id}/expert", response_model=AssignmentRead)
def replace_expert(
    session: SessionDep,
    principal: PrincipalDep,
    manager: IndexDep,
    assignment_id: Id,
    data: ReplaceExpert,
) -> Any:
    """Staff edit a draft: another pool expert on this visit (refused, saying which hard
    constraint breaks; the edited assignment is locked for the next run)."""
    a = edits.replace_expert(session, principal, manager, assignment_id, data.expert_id)
    return service.assignment_read(session, a.id)


@router.post(
    "/runs/{run_id}/visits/{request_id}/experts", response_model=AssignmentRead, status_code=201
)
def add_expert(
    session: SessionDep,
    principal: PrincipalDep,
    manager: IndexDep,
    run_id: Id,
    request_id: Id,
    data: AddExpert,
) -> Any:
    """Staff edit a draft: a pool expert added to a visit short of experts (on
    ``half_day`` when it has none yet); refused saying which hard constraint breaks."""
    a = edits.add_expert(
        session, principal, manager, run_id, request_id, data.expert_id, data.half_day
    )
    return service.assignment_read(session, a.id)


@router.put("/runs/{run_id}/visits/{request_id}/half-day", response_model=list[AssignmentRead])
def move_visit(
    session: SessionDep, principal: PrincipalDep, run_id: Id, request_id: Id, data: MoveVisit
) -> list[AssignmentRead]:
    """Staff edit a draft: the visit on another half-day (the company's and its experts')."""
    rows = edits.move_visit(session, principal, run_id, request_id, data.half_day)
    return [service.assignment_read(session, a.id) for a in rows]


@router.post("/assignments/{assignment_id}/{answer}")
def answer(
    session: SessionDep,
    principal: PrincipalDep,
    assignment_id: Id,
    answer: Literal["accept", "decline"],
    data: Answer | None = None,
) -> dict[str, str]:
    """The assigned expert accepts, or declines with a reason."""
    a = service.respond(
        session,
        principal,
        assignment_id,
        accept=answer == "accept",
        reason=(data or Answer()).reason,
    )
    return {"status": a.status.value}


@router.get("/requests/{request_id}")
def read_request(
    session: SessionDep, principal: PrincipalDep, manager: IndexDep, request_id: Id
) -> dict[str, Any]:
    """The request's brief: company, problem, needs, recommendations, diagnosis."""
    return briefs.brief(session, principal, manager, request_id)


@router.post("/requests/{request_id}/cancel", response_model=RequestRead)
def cancel_request(session: SessionDep, principal: PrincipalDep, request_id: Id) -> Any:
    """The company (or staff) withdraws a request; the next run leaves it out."""
    r = service.cancel_request(session, principal, request_id)
    return service.request_read(session, principal, r)


@router.put("/requests/{request_id}/diagnosis", response_model=DiagnosisRead)
def write_diagnosis(
    session: SessionDep, principal: PrincipalDep, request_id: Id, data: DiagnosisWrite
) -> Any:
    """Write the diagnosis record (problems, suggestions, follow-ups)."""
    diagnosis.write(session, principal, request_id, data)
    return diagnosis.read(session, principal, request_id)


@router.post("/requests/{request_id}/needs", response_model=list[DraftRead], status_code=201)
def draft_needs(
    session: SessionDep, principal: PrincipalDep, request_id: Id, data: DraftCount | None = None
) -> list[DraftRead]:
    """转为技术需求: draft needs pre-filled from the diagnosis, for the company to confirm."""
    drafts = diagnosis.draft_needs(session, principal, request_id, (data or DraftCount()).count)
    return [diagnosis.get_draft(session, principal, d.id) for d in drafts]


@router.post("/requests/{request_id}/dockings", status_code=201)
def propose_docking(
    session: SessionDep, principal: PrincipalDep, request_id: Id, data: ProposeDocking
) -> dict[str, Any]:
    """The assigned expert proposes a docking between one of the company's needs and
    themselves (origin: visit); the company answers it like any docking request."""
    d = diagnosis.propose_docking(session, principal, request_id, data)
    return {"docking_id": d.id, "need_id": d.need_id, "origin": d.origin.value}


@router.post("/drafts/{draft_id}/publish")
def publish_draft(
    session: SessionDep, principal: PrincipalDep, draft_id: Id, data: DraftPublish | None = None
) -> dict[str, int]:
    """The company confirms a drafted need and publishes it (422 says what is missing)."""
    need = diagnosis.publish_draft(session, principal, draft_id, data or DraftPublish())
    return {"need_id": need.id}
