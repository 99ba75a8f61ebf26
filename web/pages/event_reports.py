"""Event pages for staff and participants around the day: the event report (page and
Excel), the printable booklet (会刊), and refilling slots freed by no-shows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matchmaking.events import booklet, refill, report
from matchmaking.exceptions import Conflict
from web.deps import IndexDep
from web.downloads import xlsx
from web.pages.common import Ui

router = APIRouter(prefix="/events")


@router.get("/{event_id}/report", response_class=HTMLResponse)
def report_page(ui: Ui, event_id: int) -> HTMLResponse:
    """The event report: participants, meetings, intents, dockings and what came of them."""
    found = report.build(ui.session, ui.principal, event_id)
    return ui.render("events/report.html", {"r": found, "event": found.event})


@router.get("/{event_id}/report.xlsx")
def report_xlsx(ui: Ui, event_id: int) -> Response:
    """The event report in Excel (概况, 参会单位, 洽谈, 后续成果)."""
    found = report.build(ui.session, ui.principal, event_id)
    data = report.xlsx(found)
    return xlsx(data, f"{found.event.title}活动报告.xlsx", f"event-report-{event_id}.xlsx")


@router.get("/{event_id}/booklet", response_class=HTMLResponse)
def booklet_page(ui: Ui, event_id: int) -> HTMLResponse:
    """The printable booklet (会刊): staff in scope and registered participants."""
    found = booklet.build(ui.session, ui.principal, event_id)
    return ui.render("events/booklet.html", {"b": found, "event": found.event})


@router.get("/{event_id}/refill", response_class=HTMLResponse)
async def refill_page(ui: Ui, manager: IndexDep, event_id: int) -> HTMLResponse:
    """On the day: slots freed by no-shows, who is free, proposed new pairs."""
    found = await run_in_threadpool(refill.view, ui.session, manager, ui.principal, event_id)
    return ui.render("events/refill.html", {"v": found, "event": found.event})


@router.post("/{event_id}/refill")
def refill_confirm(
    ui: Ui,
    manager: IndexDep,
    event_id: int,
    a_id: Annotated[int, Form(ge=1, le=2**62)],
    b_id: Annotated[int, Form(ge=1, le=2**62)],
    slot_id: Annotated[int, Form(ge=1, le=2**62)],
) -> RedirectResponse:
    """Add a proposed meeting to the published schedule; both sides are notified."""
    try:
        made = refill.confirm(
            ui.session, manager, ui.principal, event_id, a_id=a_id, b_id=b_id, slot_id=slot_id
        )
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/events/{event_id}/refill", exc.message, "error")
    return ui.redirect(
        f"/events/{event_id}/refill", f"已安排第 {made.table_no} 桌的补位洽谈，已通知双方"
    )
