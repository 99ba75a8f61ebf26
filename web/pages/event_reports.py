"""Event pages for staff and participants around the day: the event report (page and
Excel), the printable booklet (会刊), and refilling slots freed by no-shows."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from matchmaking.events import booklet, report
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
