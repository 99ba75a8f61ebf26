"""Event pages (产学研对接会): the list, create and edit, invitations from matching,
registration and wishes, the scheduler's runs and drafts, agendas, check-in, outcomes."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from openpyxl import Workbook
from pydantic import Field

from matchmaking import clock
from matchmaking.accounts.permissions import require_login, require_staff
from matchmaking.common.runs import LIVE
from matchmaking.docking import staff
from matchmaking.enums import (
    EventAction,
    EventKind,
    EventStatus,
    MeetingOutcome,
    WishLevel,
)
from matchmaking.events import agenda, feed, scheduling
from matchmaking.events import requests as meeting_requests
from matchmaking.events import service as events
from matchmaking.events.schemas import EventCreate, RegistrationInput, SessionCreate
from matchmaking.exceptions import Conflict, InvalidInput
from matchmaking.models import Event, ScheduleRun
from web.deps import IndexDep
from web.downloads import ICS, download, xlsx
from web.pages.common import Ui
from web.pages.forms import ListFilters, listing, read_form

router = APIRouter(prefix="/events")
PAGE_SIZE = 20
FORM_FIELDS = (
    "title",
    "kind",
    "industry_field",
    "theme",
    "held_on",
    "venue",
    "town",
    "organiser",
    "registration_opens",
    "registration_closes",
    "capacity",
    "guest_org_id",
)


class EventFilters(ListFilters):
    status: EventStatus | None = None
    q: str | None = Field(default=None, max_length=100)


def _towns(ui: Ui) -> list[str]:
    return list(staff.towns(ui.session))


@router.get("", response_class=HTMLResponse)
def event_list(ui: Ui, f: Annotated[EventFilters, Query()]) -> HTMLResponse:
    """Events: staff see every event in their scope, others the open and past ones."""
    found = events.list_events(
        ui.session, ui.principal, status=f.chosen()["status"] or None, q=f.q, page=f.page
    )
    context = {"f": f.chosen(), "statuses": list(EventStatus)}
    return ui.render("events/list.html", {**context, **listing(found, f)})


def _form(
    ui: Ui, event: Event | None, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    context = {
        "event": event,
        "values": values,
        "errors": errors,
        "kinds": list(EventKind),
        "towns": _towns(ui),
        "guests": events.guest_choices(ui.session),
        "scope_town": ui.principal.scope.town,
    }
    return ui.render("events/form.html", context, status_code=status)


def _values(event: Event) -> dict[str, str]:
    out = {}
    for name in FORM_FIELDS:
        value = getattr(event, name)
        out[name] = "" if value is None else str(getattr(value, "value", value))
    return out


@router.get("/new", response_class=HTMLResponse)
def new_event(ui: Ui) -> HTMLResponse:
    """The form for a new event (staff)."""
    require_staff(ui.principal)
    return _form(ui, None, {"town": ui.principal.scope.town, "capacity": "60"}, {})


@router.post("/new", response_model=None)
async def create_event(request: Request, ui: Ui) -> HTMLResponse | RedirectResponse:
    """Create an event (a draft): then add its sessions and open registration."""
    require_staff(ui.principal)
    form = await read_form(request, EventCreate)
    if form.data is not None and form.ok:
        with form.field_errors():
            made = events.create(ui.session, ui.principal, form.data)
            return ui.redirect(f"/events/{made.id}", "活动已创建，请添加洽谈时段后开放报名")
    return _form(ui, None, form.values, form.errors, 400)


@router.get("/{event_id}/edit", response_class=HTMLResponse)
def edit_event(ui: Ui, event_id: int) -> HTMLResponse:
    """The form to change an event (staff in scope)."""
    event = events._staff_event(ui.session, ui.principal, event_id)
    return _form(ui, event, _values(event), {})


@router.post("/{event_id}/edit", response_model=None)
async def update_event(request: Request, ui: Ui, event_id: int) -> HTMLResponse | RedirectResponse:
    """Save an event's details."""
    event = events._staff_event(ui.session, ui.principal, event_id)
    form = await read_form(request, EventCreate)
    if form.data is not None and form.ok:
        with form.field_errors():
            events.update(ui.session, ui.principal, event.id, form.data)
            return ui.redirect(f"/events/{event.id}", "活动信息已保存")
    return _form(ui, event, form.values, form.errors, 400)


@router.get("/{event_id}", response_class=HTMLResponse)
def event_page(ui: Ui, event_id: int) -> HTMLResponse:
    """One event: its details and slots; staff manage it, participants register."""
    d = events.detail(ui.session, ui.principal, event_id)
    asks = meeting_requests.counts(ui.session, d.event.id) if d.manage else {}
    context = {**vars(d), "errors": {}, "request_counts": asks}
    return ui.render("events/detail.html", context)


@router.post("/{event_id}/status")
def change_status(ui: Ui, event_id: int, action: Annotated[str, Form()] = "") -> RedirectResponse:
    """Open registration, close it, mark held, archive."""
    try:
        chosen = EventAction(action)
    except ValueError:
        raise InvalidInput("请选择要进行的操作", field="action") from None
    try:
        event = events.move(ui.session, ui.principal, event_id, chosen)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}", exc.message, "error")
    return ui.redirect(f"/events/{event_id}", f"活动状态已改为“{event.status.label}”")


@router.post("/{event_id}/sessions", response_model=None)
async def add_session(request: Request, ui: Ui, event_id: int) -> RedirectResponse:
    """Add a block of meetings: its slots are generated."""
    events._staff_event(ui.session, ui.principal, event_id)
    form = await read_form(request, SessionCreate)
    if form.data is None or not form.ok:
        message = "；".join(form.errors.values())
        return ui.redirect(f"/events/{event_id}", f"时段未添加：{message}", "error")
    try:
        made = events.add_session(ui.session, ui.principal, event_id, form.data)
    except (InvalidInput, Conflict) as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}", f"时段未添加：{exc.message}", "error")
    return ui.redirect(f"/events/{event_id}", f"已添加 {len(made)} 个洽谈时段")


# -- invitations ---------------------------------------------------------------------------
@router.get("/{event_id}/invite", response_class=HTMLResponse)
async def invite_page(ui: Ui, event_id: int, manager: IndexDep) -> HTMLResponse:
    """Companies whose open needs fit the theme, to tick and invite."""
    event = events._staff_event(ui.session, ui.principal, event_id)
    proposals = await run_in_threadpool(events.propose, ui.session, manager, ui.principal, event.id)
    supply = await run_in_threadpool(
        events.propose_supply, ui.session, manager, ui.principal, event.id
    )
    return ui.render(
        "events/invite.html", {"event": event, "proposals": proposals, "supply": supply}
    )


@router.post("/{event_id}/invite")
async def send_invitations(request: Request, ui: Ui, event_id: int) -> RedirectResponse:
    """Invite the ticked companies (a notification each)."""
    events._staff_event(ui.session, ui.principal, event_id)
    form = await request.form()

    def ids_of(name: str) -> list[int]:
        raw = [str(x) for x in form.getlist(name)]
        return [int(x) for x in raw if x.isdigit() and len(x) < 19]

    org_ids, expert_ids = ids_of("org_id"), ids_of("expert_id")
    if not org_ids and not expert_ids:
        return ui.redirect(f"/events/{event_id}/invite", "请先勾选要邀请的单位或专家", "error")
    made = events.invite(ui.session, ui.principal, event_id, org_ids)
    experts = events.invite_experts(ui.session, ui.principal, event_id, expert_ids)
    said = [f"{len(made)} 家单位"] if org_ids else []
    said += [f"{len(experts)} 位专家"] if expert_ids else []
    return ui.redirect(f"/events/{event_id}", f"已向 {'、'.join(said)}发出邀请")


@router.get("/{event_id}/invitations.xlsx")
def invitations_xlsx(ui: Ui, event_id: int) -> Response:
    """The invitation list in Excel, for phone follow-up."""
    event = events._staff_event(ui.session, ui.principal, event_id)
    rows = events.invitations(ui.session, ui.principal, event.id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "邀请名单"
    sheet.append(["单位", "区镇", "联系人", "联系电话", "匹配得分", "状态"])
    for x in rows:
        score = round(x.score, 3) if x.score is not None else ""
        sheet.append([x.name, x.town, x.contact_name, x.contact_phone, score, x.status])
    out = io.BytesIO()
    book.save(out)
    name = f"invitations-{event.id}.xlsx"
    return xlsx(out.getvalue(), f"{event.title}邀请名单.xlsx", name)


# -- participants --------------------------------------------------------------------------
@router.post("/{event_id}/register", response_model=None)
async def register(request: Request, ui: Ui, event_id: int) -> RedirectResponse:
    """Register (or accept the invitation, or change what I bring)."""
    require_login(ui.principal)
    form = await read_form(
        request, RegistrationInput, multi=("need_ids", "achievement_ids", "unavailable_slot_ids")
    )
    if form.data is None or not form.ok:
        message = "；".join(form.errors.values())
        return ui.redirect(f"/events/{event_id}", f"报名未成功：{message}", "error")
    try:
        events.register(ui.session, ui.principal, event_id, form.data)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}", f"报名未成功：{exc.message}", "error")
    return ui.redirect(f"/events/{event_id}", "报名成功。可以在“推荐洽谈对象”中标记想见的单位")


@router.post("/{event_id}/cancel")
def cancel(ui: Ui, event_id: int) -> RedirectResponse:
    """Withdraw my registration."""
    events.cancel_registration(ui.session, ui.principal, event_id)
    return ui.redirect(f"/events/{event_id}", "已取消报名")


@router.get("/{event_id}/participants", response_class=HTMLResponse)
def participants(ui: Ui, manager: IndexDep, event_id: int) -> HTMLResponse:
    """The other participants with suggested meetings; mark 必见 / 想见 / 不见."""
    event = events.get_visible(ui.session, ui.principal, event_id)
    found = events.suggestions(ui.session, manager, ui.principal, event.id)
    asks = meeting_requests.mine(ui.session, ui.principal, event.id)
    return ui.render(
        "events/participants.html",
        {"event": event, "rows": found, "levels": list(WishLevel), "asks": asks},
    )


@router.post("/{event_id}/wishes")
def wish(
    ui: Ui,
    event_id: int,
    to_id: Annotated[int, Form(ge=1, le=2**62)],
    level: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Mark (or withdraw) my wish about another participant."""
    chosen = WishLevel(level) if level in {w.value for w in WishLevel} else None
    events.set_wish(ui.session, ui.principal, event_id, to_id, chosen)
    return ui.redirect(f"/events/{event_id}/participants#r{to_id}", "已保存洽谈意愿")


# -- scheduling ----------------------------------------------------------------------------
def _run_text(run: ScheduleRun) -> str:
    if run.status in LIVE:
        return f"{run.status.label} {round(run.progress * 100)}%"
    return run.status.label


@router.get("/{event_id}/schedule", response_class=HTMLResponse)
def schedule_page(
    ui: Ui, event_id: int, version: Annotated[int | None, Query(ge=1, le=100000)] = None
) -> HTMLResponse:
    """Runs of the scheduler, the progress of a live one, and a version's draft."""
    view = scheduling.schedule_view(ui.session, ui.principal, event_id, version)
    return ui.render("events/schedule.html", view)


@router.post("/{event_id}/schedule/run")
def start_run(ui: Ui, event_id: int) -> RedirectResponse:
    """Queue a new version of the schedule."""
    try:
        run = scheduling.start_run(ui.session, ui.principal, event_id)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}/schedule", exc.message, "error")
    return ui.redirect(f"/events/{event_id}/schedule", f"第 {run.version} 版排程已开始计算")


@router.get("/runs/{run_id}/progress")
def run_progress(ui: Ui, run_id: int) -> JSONResponse:
    """A run's progress, for the page's progress bar."""
    run = scheduling.get_run(ui.session, ui.principal, run_id)
    live = run.status in LIVE
    return JSONResponse({"progress": run.progress, "live": live, "text": _run_text(run)})


@router.post("/runs/{run_id}/cancel")
def cancel_run(ui: Ui, run_id: int) -> RedirectResponse:
    """Stop a run; it keeps the best schedule found so far."""
    run = scheduling.cancel_run(ui.session, ui.principal, run_id)
    return ui.redirect(f"/events/{run.event_id}/schedule", f"已请求取消第 {run.version} 版排程")


@router.post("/runs/{run_id}/publish")
def publish(ui: Ui, run_id: int) -> RedirectResponse:
    """Publish this version (or roll back to it); participants are notified."""
    try:
        run = scheduling.publish(ui.session, ui.principal, run_id)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(scheduling.schedule_url(ui.session, run_id), exc.message, "error")
    return ui.redirect(
        f"/events/{run.event_id}/schedule?version={run.version}",
        f"第 {run.version} 版日程已发布，已通知参会方",
    )


@router.post("/meetings/{meeting_id}/lock")
def lock_meeting(ui: Ui, meeting_id: int, locked: Annotated[str, Form()] = "1") -> RedirectResponse:
    """Lock (or unlock) a meeting: the next run keeps it in place."""
    meeting = scheduling.set_locked(ui.session, ui.principal, meeting_id, locked == "1")
    return ui.redirect(
        scheduling.schedule_url(ui.session, meeting.run_id),
        "已锁定该洽谈" if meeting.locked else "已解除锁定",
    )


@router.get("/{event_id}/tables", response_class=HTMLResponse)
def table_sheets(ui: Ui, event_id: int) -> HTMLResponse:
    """Printable table sheets of the published schedule, one per table."""
    return ui.render(
        "events/tables.html", scheduling.table_sheets(ui.session, ui.principal, event_id)
    )


# -- agenda, check-in, outcomes -------------------------------------------------------------
@router.get("/{event_id}/agenda", response_class=HTMLResponse)
def agenda_page(request: Request, ui: Ui, event_id: int) -> HTMLResponse:
    """My agenda: time, table, who, what they bring, why; printable."""
    event, reg, items = agenda.agenda(ui.session, ui.principal, event_id)
    feed_url = str(request.base_url).rstrip("/") + feed.feed_path(reg)
    return ui.render(
        "events/agenda.html",
        {
            "event": event,
            "reg": reg,
            "items": items,
            "outcomes": list(MeetingOutcome),
            "held": clock.local_today() >= event.held_on,
            "feed_url": feed_url,
        },
    )


@router.get("/{event_id}/agenda.ics")
def agenda_ics(ui: Ui, event_id: int) -> Response:
    """My agenda as an iCalendar file (updates cleanly when re-downloaded)."""
    data = agenda.ics(ui.session, ui.principal, event_id)
    return download(data, ICS, f"event-{event_id}.ics", f"event-{event_id}.ics")


@router.get("/{event_id}/qr.svg")
def qr(request: Request, ui: Ui, event_id: int) -> Response:
    """My check-in QR code: the front desk opens its link with a phone camera."""
    data = agenda.qr_svg(ui.session, ui.principal, event_id, str(request.base_url))
    return Response(data, media_type="image/svg+xml", headers={"Cache-Control": "private"})


@router.get("/{event_id}/checkin", response_class=HTMLResponse)
def checkin_page(
    ui: Ui, event_id: int, q: Annotated[str | None, Query(max_length=100)] = None
) -> HTMLResponse:
    """The front desk: search by name, check in, see who has not come."""
    event, regs = agenda.checkin_list(ui.session, ui.principal, event_id, q)
    return ui.render("events/checkin.html", {"event": event, "regs": regs, "q": q or ""})


@router.post("/{event_id}/checkin/{reg_id}")
def check_in(ui: Ui, event_id: int, reg_id: int) -> RedirectResponse:
    """Mark a participant arrived."""
    try:
        reg = agenda.check_in(ui.session, ui.principal, event_id, reg_id)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}/checkin", exc.message, "error")
    return ui.redirect(f"/events/{event_id}/checkin", f"“{reg.name}”已签到")


@router.get("/checkin/{token}", response_class=HTMLResponse)
def checkin_by_qr(ui: Ui, token: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    """What a scanned QR code opens (staff): the participant, with a check-in button."""
    reg = agenda.by_token(ui.session, ui.principal, token)
    event = events.get_visible(ui.session, ui.principal, reg.event_id)
    return ui.render("events/checkin_one.html", {"event": event, "reg": reg})


@router.post("/{event_id}/meetings/{meeting_id}/outcome")
def outcome(
    ui: Ui, event_id: int, meeting_id: int, outcome: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """My side's outcome of a meeting."""
    try:
        chosen = MeetingOutcome(outcome)
    except ValueError:
        raise InvalidInput("请选择洽谈结果", field="outcome") from None
    try:
        agenda.record_outcome(ui.session, ui.principal, event_id, meeting_id, chosen)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}/agenda", exc.message, "error")
    return ui.redirect(f"/events/{event_id}/agenda", "已记录洽谈结果")


@router.post("/{event_id}/meetings/{meeting_id}/follow-up")
def follow_up(ui: Ui, manager: IndexDep, event_id: int, meeting_id: int) -> RedirectResponse:
    """Follow up: a docking request that enters the docking flow."""
    try:
        docking_id = agenda.follow_up(ui.session, manager, ui.principal, event_id, meeting_id)
    except (Conflict, InvalidInput) as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}/agenda", exc.message, "error")
    return ui.redirect(f"/dockings/{docking_id}", "已发起对接申请，请等待对方回复")
