"""Clinic visit pages (技术专家巡诊): campaigns, requests, the assignment draft, day sheets,
the expert's visits and brief, diagnosis records and the needs drafted from them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from matchmaking.accounts.permissions import require_login, require_staff
from matchmaking.common.numbers import DbId
from matchmaking.common.validation import validation_details
from matchmaking.enums import IndustryField
from matchmaking.exceptions import Conflict, InvalidInput, MatchmakingError
from matchmaking.visits import brief as briefs
from matchmaking.visits import diagnosis, edits, service
from matchmaking.visits.schemas import (
    AddExpert,
    CampaignCreate,
    DiagnosisAsk,
    DiagnosisWrite,
    DraftPublish,
    FollowUpIn,
    InviteExperts,
    MoveVisit,
    PoolExpertSet,
    ProposeDocking,
    ReplaceExpert,
    half_day_label,
)
from matchmaking.visits.states import CampaignAction
from web.deps import IndexDep
from web.pages.common import Ui
from web.pages.forms import ListFilters, listing, read_form

router = APIRouter(prefix="/visits")


class CampaignFilters(ListFilters):
    pass


def _fail(ui: Ui, url: str, exc: MatchmakingError) -> RedirectResponse:
    ui.session.rollback()
    return ui.redirect(url, exc.message, "error")


@router.get("", response_class=HTMLResponse)
def campaign_list(ui: Ui, f: Annotated[CampaignFilters, Query()]) -> HTMLResponse:
    """Campaigns (staff: their scope, drafts too); a company's own requests; an expert's visits."""
    found = service.list_campaigns(ui.session, ui.principal, page=f.page, page_size=20)
    mine = service.my_requests(ui.session, ui.principal) if ui.principal.org_id else []
    return ui.render("visits/list.html", {**listing(found, f), "mine": mine})


@router.get("/new", response_class=HTMLResponse)
def new_campaign(ui: Ui) -> HTMLResponse:
    """The form of a new campaign (staff)."""
    require_staff(ui.principal)
    return ui.render("visits/new.html", {"values": {}, "errors": {}})


@router.post("/new", response_model=None)
async def create_campaign(ui: Ui, request: Request) -> HTMLResponse | RedirectResponse:
    """Create a campaign (draft): half-days one per line, towns separated by spaces."""
    require_staff(ui.principal)
    form = await request.form()
    raw = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    values: dict[str, Any] = {
        "title": raw.get("title", "").strip(),
        "theme": raw.get("theme", "").strip(),
        "towns": raw.get("towns", "").split(),
        "half_days": raw.get("half_days", "").split(),
        "experts_per_visit": raw.get("experts_per_visit", "1") or "1",
    }
    from web.pages.forms import parse_values

    submitted = parse_values(CampaignCreate, values)
    if submitted.ok and submitted.data is not None:
        with submitted.field_errors():
            c = service.create_campaign(ui.session, ui.principal, submitted.data)
            return ui.redirect(f"/visits/{c.id}", "巡诊活动已创建（草稿），请邀请专家后开始征集")
    ui.session.rollback()
    return ui.render(
        "visits/new.html", {"values": raw, "errors": submitted.errors}, status_code=422
    )


@router.get("/mine", response_class=HTMLResponse)
def my_visits(ui: Ui) -> HTMLResponse:
    """The expert's assigned visits: accept or decline."""
    rows = service.my_visits(ui.session, ui.principal)
    return ui.render("visits/mine.html", {"rows": rows})


@router.get("/follow-ups", response_class=HTMLResponse)
def follow_ups(ui: Ui) -> HTMLResponse:
    """Overdue follow-up actions of diagnoses (staff, their scope)."""
    return ui.render(
        "visits/follow_ups.html", {"rows": diagnosis.overdue(ui.session, ui.principal)}
    )


@router.get("/{campaign_id}", response_class=HTMLResponse)
def campaign_page(ui: Ui, campaign_id: int) -> HTMLResponse:
    """A campaign: requests, expert pool, runs (staff); the ask form (companies)."""
    require_login(ui.principal)
    c = service.read_campaign(ui.session, ui.principal, campaign_id)
    manage = service.may_manage(ui.principal, c)
    context: dict[str, Any] = {
        "c": service.campaign_read(ui.session, c),
        "manage": manage,
        "fields": list(IndustryField),
        "values": {},
        "errors": {},
        "requests": [],
        "pool": [],
        "runs": [],
        "mine": None,
    }
    if manage or ui.principal.org_id is not None:
        if ui.principal.is_staff or ui.principal.role is not None and ui.principal.org_id:
            try:
                context["requests"] = service.list_requests(
                    ui.session, ui.principal, c.id, page_size=200
                ).items
            except MatchmakingError:
                context["requests"] = []
    if ui.principal.expert_id is not None:
        context["mine"] = service.pool_member(ui.session, c.id, ui.principal.expert_id)
    if manage:
        context["pool"] = service.pool(ui.session, c.id)
        context["runs"] = [
            service.run_read(r) for r in service.runs_of(ui.session, ui.principal, c.id)
        ]
    return ui.render("visits/campaign.html", context)


@router.post("/{campaign_id:int}/{action}", response_model=None)
async def campaign_action(
    ui: Ui, request: Request, campaign_id: int, action: str
) -> HTMLResponse | RedirectResponse:
    """open / finish / invite / run / rollback / ask / availability."""
    url = f"/visits/{campaign_id}"
    if action == "ask":
        return await _ask(ui, request, campaign_id)
    if action == "availability":
        return await _availability(ui, request, campaign_id)
    form = await request.form()
    try:
        if action in ("open", "finish"):
            service.move_campaign(ui.session, ui.principal, campaign_id, CampaignAction(action))
            return ui.redirect(url, "巡诊活动状态已更新")
        if action == "invite":
            field = str(form.get("industry_field", "")) or None
            added = service.invite(
                ui.session,
                ui.principal,
                campaign_id,
                InviteExperts(industry_field=field),  # type: ignore[arg-type]
            )
            return ui.redirect(url, f"已邀请 {added} 位专家")
        if action == "run":
            run = service.start_run(ui.session, ui.principal, campaign_id)
            return ui.redirect(f"/visits/runs/{run.id}", "排班已提交计算，稍候刷新本页查看结果")
        if action == "rollback":
            service.rollback(ui.session, ui.principal, campaign_id)
            return ui.redirect(url, "已撤回到上一次发布的安排")
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    except ValueError:
        return ui.redirect(url, "请选择有效的领域", "error")
    return ui.redirect(url, "未知操作", "error")


async def _availability(ui: Ui, request: Request, campaign_id: int) -> RedirectResponse:
    """An invited expert says which half-days they are free and how many visits they take."""
    require_login(ui.principal)
    url = f"/visits/{campaign_id}"
    expert_id = ui.principal.expert_id
    if expert_id is None:
        return ui.redirect(url, "只有专家本人可以填写空闲时间", "error")
    submitted = await read_form(request, PoolExpertSet, multi=("available",))
    if not submitted.ok or submitted.data is None:
        ui.session.rollback()
        return ui.redirect(url, "；".join(submitted.errors.values()) or "请检查填写的内容", "error")
    try:
        service.set_pool_expert(ui.session, ui.principal, campaign_id, expert_id, submitted.data)
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    days = len(submitted.data.available)
    return ui.redirect(url, f"已保存：{days} 个空闲半天，最多 {submitted.data.max_visits} 次巡诊")


async def _ask(ui: Ui, request: Request, campaign_id: int) -> HTMLResponse | RedirectResponse:
    require_login(ui.principal)
    fixed = {"org_id": ui.principal.org_id} if ui.principal.org_id else {}
    submitted = await read_form(request, DiagnosisAsk, fixed=fixed, multi=("preferred",))
    if submitted.ok and submitted.data is not None:
        try:
            with submitted.field_errors():
                r, created = service.ask(ui.session, ui.principal, campaign_id, submitted.data)
                message = "诊断申请已提交" if created else "您已申请过本次巡诊，以下是您的申请"
                return ui.redirect(f"/visits/requests/{r.id}", message)
        except Conflict as exc:
            return _fail(ui, f"/visits/{campaign_id}", exc)
    ui.session.rollback()
    c = service.read_campaign(ui.session, ui.principal, campaign_id)
    context = {
        "c": service.campaign_read(ui.session, c),
        "manage": False,
        "fields": list(IndustryField),
        "values": submitted.values,
        "errors": submitted.errors,
        "requests": [],
        "pool": [],
        "runs": [],
        "mine": None,
    }
    return ui.render("visits/campaign.html", context, status_code=422)


@router.get("/{campaign_id}/sheet", response_class=HTMLResponse)
def sheet(
    ui: Ui, campaign_id: int, town: str | None = None, expert_id: int | None = None
) -> HTMLResponse:
    """A printable day sheet (a town's, an expert's, or the whole campaign's)."""
    c = service.read_campaign(ui.session, ui.principal, campaign_id)
    rows = service.day_sheet(
        ui.session, ui.principal, campaign_id, town=town or None, expert_id=expert_id
    )
    return ui.render(
        "visits/sheet.html",
        {"c": service.campaign_read(ui.session, c), "rows": rows, "town": town or ""},
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(ui: Ui, run_id: int) -> HTMLResponse:
    """The assignment draft: experts with scores and shared terms, alternates, loads, unstaffed."""
    page = service.draft(ui.session, ui.principal, run_id)
    c = service.get_campaign(ui.session, page["run"].campaign_id)
    return ui.render("visits/run.html", {**page, "c": service.campaign_read(ui.session, c)})


class MoveForm(MoveVisit):
    request_id: DbId


class AddForm(AddExpert):
    request_id: DbId


@router.post("/runs/{run_id}/add", response_model=None)
async def add_expert(ui: Ui, request: Request, manager: IndexDep, run_id: int) -> RedirectResponse:
    """Staff edit a draft: a pool expert added to a visit short of experts."""
    url = f"/visits/runs/{run_id}"
    submitted = await read_form(request, AddForm)
    if not submitted.ok or submitted.data is None:
        ui.session.rollback()
        return ui.redirect(url, "；".join(submitted.errors.values()) or "请选择专家", "error")
    data = submitted.data
    try:
        a = edits.add_expert(
            ui.session, ui.principal, manager, run_id, data.request_id, data.expert_id,
            data.half_day,
        )  # fmt: skip
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    read = service.assignment_read(ui.session, a.id)
    return ui.redirect(url, f"已加上{read.expert}（{read.when}），并已锁定，重新排班时保留")


@router.post("/runs/{run_id}/move", response_model=None)
async def move_visit(ui: Ui, request: Request, run_id: int) -> RedirectResponse:
    """Staff edit a draft: a visit on another half-day (refused, saying which constraint)."""
    url = f"/visits/runs/{run_id}"
    submitted = await read_form(request, MoveForm)
    if not submitted.ok or submitted.data is None:
        ui.session.rollback()
        return ui.redirect(url, "；".join(submitted.errors.values()) or "请选择半天", "error")
    data = submitted.data
    try:
        rows = edits.move_visit(ui.session, ui.principal, run_id, data.request_id, data.half_day)
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    when = half_day_label(rows[0].half_day)
    return ui.redirect(url, f"已改到{when}，并已锁定，重新排班时保留")


@router.post("/runs/{run_id}/{action}", response_model=None)
def run_action(ui: Ui, run_id: int, action: str) -> RedirectResponse:
    """publish / cancel a run."""
    url = f"/visits/runs/{run_id}"
    try:
        if action == "publish":
            service.publish(ui.session, ui.principal, run_id)
            return ui.redirect(url, "安排已发布，专家会收到通知")
        if action == "cancel":
            service.cancel_run(ui.session, ui.principal, run_id)
            return ui.redirect(url, "已要求取消排班")
    except Conflict as exc:
        return _fail(ui, url, exc)
    return ui.redirect(url, "未知操作", "error")


@router.post("/assignments/{assignment_id}/replace", response_model=None)
async def replace_expert(
    ui: Ui, request: Request, manager: IndexDep, assignment_id: int
) -> RedirectResponse:
    """Staff edit a draft: another pool expert on this visit (locked for the next run)."""
    submitted = await read_form(request, ReplaceExpert)
    run_id = edits.run_of_assignment(ui.session, ui.principal, assignment_id)
    url = f"/visits/runs/{run_id}"
    if not submitted.ok or submitted.data is None:
        ui.session.rollback()
        return ui.redirect(url, "；".join(submitted.errors.values()) or "请选择专家", "error")
    try:
        a = edits.replace_expert(
            ui.session, ui.principal, manager, assignment_id, submitted.data.expert_id
        )
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    read = service.assignment_read(ui.session, a.id)
    return ui.redirect(url, f"已换为{read.expert}，并已锁定，重新排班时保留")


@router.post("/assignments/{assignment_id}/{action}", response_model=None)
def assignment_action(
    ui: Ui,
    assignment_id: int,
    action: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "/visits/mine",
) -> RedirectResponse:
    """accept / decline (expert); lock / unlock (staff, on a draft)."""
    url = back if back.startswith("/visits") and not back.startswith("//") else "/visits/mine"
    try:
        if action in ("accept", "decline"):
            service.respond(
                ui.session, ui.principal, assignment_id, accept=action == "accept", reason=reason
            )
            return ui.redirect(
                url, "已接受巡诊安排" if action == "accept" else "已谢绝，科技局会重新安排"
            )
        if action in ("lock", "unlock"):
            service.set_locked(ui.session, ui.principal, assignment_id, action == "lock")
            return ui.redirect(url, "已锁定，重新排班时保留" if action == "lock" else "已解除锁定")
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    return ui.redirect(url, "未知操作", "error")


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(ui: Ui, manager: IndexDep, request_id: int) -> HTMLResponse:
    """The brief: company, problem, needs, recommendations; the diagnosis and drafted needs."""
    return ui.render("visits/request.html", {**_brief(ui, manager, request_id), "values": {}})


@router.post("/requests/{request_id}/diagnosis", response_model=None)
async def write_diagnosis(
    ui: Ui, request: Request, manager: IndexDep, request_id: int
) -> HTMLResponse | RedirectResponse:
    """Write the diagnosis record; follow-ups one per line as "行动 | 负责人 | 2030-01-31"."""
    form = await request.form()
    raw = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    ups: list[FollowUpIn] = []
    for n, line in enumerate(raw.get("follow_ups", "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [x.strip() for x in line.split("|")]
        try:
            ups.append(FollowUpIn(action=parts[0], owner=parts[1], due=parts[2]))  # type: ignore[arg-type]
        except (IndexError, ValueError):
            errors["follow_ups"] = f"第 {n} 行应写作“行动 | 负责人 | 2030-01-31”"
            break
    data: DiagnosisWrite | None = None
    if not errors:
        try:
            data = DiagnosisWrite(
                problems=raw.get("problems", ""),
                suggestions=raw.get("suggestions", ""),
                follow_ups=ups,
            )
        except ValidationError as exc:
            # Each refused field in its own words (the form shows the two it has).
            for d in validation_details(exc.errors()):
                name = str(d["field"]).split(".")[0]
                errors.setdefault(name if name == "follow_ups" else "problems", d["message"])
    if data is not None:
        diagnosis.write(ui.session, ui.principal, request_id, data)
        return ui.redirect(f"/visits/requests/{request_id}", "诊断记录已保存")
    ui.session.rollback()
    context = {**_brief(ui, manager, request_id), "values": raw, "errors": errors}
    return ui.render("visits/request.html", context, status_code=422)


def _brief(ui: Ui, manager: IndexDep, request_id: int) -> dict[str, Any]:
    # "request" is the template's own Request object: the diagnosis request is "req".
    b = briefs.brief(ui.session, ui.principal, manager, request_id)
    req = b.pop("request")
    return {**b, "req": req, "errors": {}}


@router.post("/requests/{request_id}/cancel", response_model=None)
def cancel_request(ui: Ui, request_id: int) -> RedirectResponse:
    """The company (or staff) withdraws its request; experts already sent are told."""
    url = f"/visits/requests/{request_id}"
    try:
        service.cancel_request(ui.session, ui.principal, request_id)
    except Conflict as exc:
        return _fail(ui, url, exc)
    return ui.redirect(url, "诊断申请已取消")


@router.post("/requests/{request_id}/needs", response_model=None)
def draft_needs(
    ui: Ui, request_id: int, count: Annotated[int, Form(ge=1, le=5)] = 1
) -> RedirectResponse:
    """转为技术需求: draft needs from the diagnosis for the company to confirm."""
    url = f"/visits/requests/{request_id}"
    try:
        diagnosis.draft_needs(ui.session, ui.principal, request_id, count)
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    return ui.redirect(url, "已起草技术需求，请企业确认后发布")


@router.post("/requests/{request_id}/docking", response_model=None)
async def propose_docking(ui: Ui, request: Request, request_id: int) -> RedirectResponse:
    """The assigned expert proposes a docking with one of the company's needs."""
    url = f"/visits/requests/{request_id}"
    submitted = await read_form(request, ProposeDocking)
    if not submitted.ok or submitted.data is None:
        ui.session.rollback()
        return ui.redirect(url, "；".join(submitted.errors.values()) or "请选择技术需求", "error")
    try:
        d = diagnosis.propose_docking(ui.session, ui.principal, request_id, submitted.data)
    except (Conflict, InvalidInput) as exc:
        return _fail(ui, url, exc)
    return ui.redirect(f"/dockings/{d.id}", "已向企业提议对接，企业会收到通知")


@router.post("/drafts/{draft_id}/publish", response_model=None)
async def publish_draft(ui: Ui, request: Request, draft_id: int) -> RedirectResponse:
    """The company confirms a drafted need and publishes it (or learns what is missing)."""
    form = await request.form()
    changes = DraftPublish(
        **{
            k: str(form[k]).strip()
            for k in DraftPublish.model_fields
            if k in form and str(form[k]).strip()
        }
    )
    read = diagnosis.get_draft(ui.session, ui.principal, draft_id)
    record_url = "/visits"
    try:
        need = diagnosis.publish_draft(ui.session, ui.principal, draft_id, changes)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        rid = _request_of_record(ui, read.record_id)
        return ui.redirect(f"/visits/requests/{rid}" if rid else record_url, exc.message, "error")
    return ui.redirect(f"/needs/{need.id}", "技术需求已发布，平台已为它推荐成果和专家")


def _request_of_record(ui: Ui, record_id: int) -> int | None:
    from matchmaking.models import DiagnosisRecord

    record = ui.session.get(DiagnosisRecord, record_id)
    return record.request_id if record else None


__all__ = ["half_day_label", "router"]
