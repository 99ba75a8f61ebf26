"""月度通报 pages: the list (/reports), issuing, one report, its .docx and .xlsx."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matchmaking import clock
from matchmaking.common.numbers import MAX_ID
from matchmaking.exceptions import InvalidInput
from matchmaking.reports import documents
from matchmaking.reports import service as reports
from matchmaking.reports.documents import RAG_LABEL, overall_rows, town_rows
from web.downloads import DOCX, download, xlsx
from web.pages.common import Ui

router = APIRouter(prefix="/reports")
LongText = Annotated[str, Form(max_length=8000)]


def _list(
    ui: Ui,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = clock.local_today()
    last = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    context = {
        "reports": reports.listing(ui.session, ui.principal),
        "may_issue": ui.principal.scope.district,
        "values": values or {"year": str(last[0]), "month": str(last[1])},
        "errors": errors or {},
        "years": list(range(today.year - 2, today.year + 1)),
    }
    return ui.render("kpi/reports.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def report_list(ui: Ui) -> HTMLResponse:
    """Every issued report and version, newest first; the form to issue one."""
    return _list(ui)


@router.post("", response_model=None)
def issue_report(
    ui: Ui,
    year: Annotated[str, Form(max_length=8)] = "",
    month: Annotated[str, Form(max_length=4)] = "",
    plan: LongText = "",
    note: LongText = "",
) -> HTMLResponse | RedirectResponse:
    """Freeze the month's figures as a report (a later issue of the same month: a correction)."""
    values = {"year": year, "month": month, "plan": plan, "note": note}
    try:
        if not (year.isdigit() and month.isdigit()):
            raise InvalidInput("请选择年份和月份", field="month")
        report = reports.issue(
            ui.session, ui.principal, year=int(year), month=int(month), plan=plan, note=note
        )
    except InvalidInput as exc:
        errors = {exc.field or "form": exc.message}
        return _list(ui, values=values, errors=errors, status_code=400)
    return ui.redirect(f"/reports/{report.id}", f"已印发{reports.number(report)}通报")


@router.get("/{report_id}", response_class=HTMLResponse)
def report_page(ui: Ui, report_id: int) -> HTMLResponse:
    """One issued report, as frozen."""
    report = reports.get(ui.session, ui.principal, report_id)
    versions = [
        r
        for r in reports.listing(ui.session, ui.principal)
        if (r.year, r.month) == (report.year, report.month)
    ]
    context = {
        "report": report,
        "snap": report.snapshot,
        "title": reports.title(report),
        "number": reports.number(report),
        "overall": overall_rows(report.snapshot),
        "rankings": [
            (r, town_rows(r), [t["rag"] for t in r["towns"]])
            for r in report.snapshot["rankings"].values()
        ],
        "rag_label": RAG_LABEL,
        "versions": versions,
    }
    return ui.render("kpi/report.html", context)


@router.get("/{report_id}/review", response_class=HTMLResponse)
def report_review(
    ui: Ui, report_id: int, against: Annotated[int, Query(ge=1, le=MAX_ID)]
) -> HTMLResponse:
    """双月点评: rank changes between this report and an earlier one."""
    rows = reports.review(ui.session, ui.principal, report_id, against)
    now = reports.get(ui.session, ui.principal, report_id)
    before = reports.get(ui.session, ui.principal, against)
    context = {
        "rows": rows,
        "now": reports.number(now),
        "before": reports.number(before),
        "report": now,
        "rag_label": RAG_LABEL,
    }
    return ui.render("kpi/review.html", context)


@router.get("/{report_id}/download.docx")
def report_docx(ui: Ui, report_id: int) -> Response:
    report = reports.get(ui.session, ui.principal, report_id)
    return download(
        documents.docx_bytes(report),
        DOCX,
        f"{reports.title(report)}.docx",
        f"report-{report_id}.docx",
    )


@router.get("/{report_id}/download.xlsx")
def report_xlsx(ui: Ui, report_id: int) -> Response:
    report = reports.get(ui.session, ui.principal, report_id)
    return xlsx(
        documents.xlsx_bytes(report), f"{reports.title(report)}.xlsx", f"report-{report_id}.xlsx"
    )
