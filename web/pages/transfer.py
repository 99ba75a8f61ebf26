"""Excel import and export: the template, upload → preview → import, the rows to fix,
and the needs or achievements as an Excel file or a printable compilation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matchmaking import clock
from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.common.filters import ItemFilters
from matchmaking.common.validation import KIND_NOUNS
from matchmaking.enums import IndustryField, ItemStatus, Kind, NeedStatus
from matchmaking.exceptions import Forbidden, InvalidInput, NotFound
from matchmaking.exporting import service as exporting
from matchmaking.importing import runs, tables, uploads
from matchmaking.importing import service as importing
from matchmaking.importing.columns import COLUMNS
from matchmaking.importing.template import DATA_SHEET, template_workbook
from matchmaking.towns import service as towns
from web.deps import ReadFirst
from web.downloads import attachment, xlsx
from web.pages.common import Ui
from web.params import Id

router = APIRouter(prefix="/transfer")
EXPORTABLE = (Kind.NEEDS, Kind.ACHIEVEMENTS)
MAX_MB = tables.MAX_BYTES // 1024 // 1024
# The status filter (staff): "" = published only, "all" = every status, else one status.
ALL_STATUSES = "all"
# How often the page of an import under way reloads itself.
REFRESH_SECONDS = 2


@dataclass(frozen=True)
class ImportCard:
    kind: Kind
    noun: str
    own_org: bool  # rows go to the user's organization (else each row names its 单位)
    required: list[str]  # the template's required headers


def _import_cards(p: Principal) -> list[ImportCard]:
    cards = []
    for kind in permissions.editable_kinds(p):
        try:
            org_id = permissions.import_org_id(p, kind)
        except Forbidden:
            continue
        required = [c.header for c in COLUMNS[kind] if c.required]
        if org_id is not None:
            required = [h for h in required if h != "单位"]
        cards.append(ImportCard(kind, KIND_NOUNS[kind.value], org_id is not None, required))
    return cards


def _page(ui: Ui, *, error: str = "", error_kind: str = "", status_code: int = 200) -> HTMLResponse:
    p = ui.principal
    permissions.require_login(p)
    cards = _import_cards(p)
    context = {
        "cards": cards,
        # Shown in the card of the kind uploaded, else at the top of the page.
        "error_in_card": error_kind in {c.kind.value for c in cards},
        "max_mb": MAX_MB,
        "error": error,
        "error_kind": error_kind,
        "export_kinds": [(k.value, KIND_NOUNS[k.value]) for k in EXPORTABLE],
        "need_statuses": list(NeedStatus),
        "item_statuses": list(ItemStatus),
        "scope_town": p.scope.town,
        "towns": towns.names(ui.session),
    }
    return ui.render("transfer/index.html", context, status_code=status_code)


def _kind(value: str, allowed: tuple[Kind, ...] = tuple(Kind)) -> Kind:
    try:
        kind = Kind(value)
    except ValueError:
        raise NotFound("没有这类数据") from None
    if kind not in allowed:
        raise NotFound("没有这类数据")
    return kind


def _owned_upload(ui: Ui, token: str) -> uploads.Upload:
    """The upload under ``token``, if it belongs to the current user."""
    permissions.require_login(ui.principal)
    upload = uploads.load(ui.request.app.state.settings, token)
    if upload.owner_id != ui.principal.user_id:
        raise Forbidden("这个文件是其他用户上传的，您不能查看或导入")
    return upload


def _list_url(p: Principal, kind: Kind) -> str | None:
    """Where the imported items are listed for this user."""
    if p.is_staff:
        return {Kind.NEEDS: "/staff/needs", Kind.ACHIEVEMENTS: "/staff/achievements"}.get(kind)
    if kind is Kind.NEEDS:
        return "/my/needs"
    return "/my/achievements" if kind is Kind.ACHIEVEMENTS else "/my/experts"


# -- the page ------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def transfer_page(ui: Ui) -> HTMLResponse:
    """Templates, uploads and exports for the kinds this user may import or export."""
    return _page(ui)


@router.get("/template/{kind}")
def download_template(ui: Ui, kind: str) -> Response:
    """The import template (.xlsx) with its 填写说明 sheet."""
    permissions.require_login(ui.principal)
    item_kind = _kind(kind)
    name = f"{DATA_SHEET[item_kind]}导入模板.xlsx"
    return xlsx(template_workbook(item_kind), name, f"{item_kind.value}-template.xlsx")


# -- import: upload → preview → import ------------------------------------------------
@router.post("/upload/{kind}", response_model=None, dependencies=[ReadFirst])
def upload(
    ui: Ui, kind: str, file: Annotated[UploadFile | None, File()] = None
) -> HTMLResponse | RedirectResponse:
    """Keep the uploaded file (under a random name) and show its preview."""
    item_kind = _kind(kind)
    permissions.import_org_id(ui.principal, item_kind)
    if file is None or not file.filename:
        return _page(ui, error="请选择要上传的文件", error_kind=kind, status_code=422)
    data = file.file.read(tables.MAX_BYTES + 1)
    if len(data) > tables.MAX_BYTES:
        message = f"文件超过 {MAX_MB} MB，请拆分成几个文件后分别导入"
        return _page(ui, error=message, error_kind=kind, status_code=413)
    try:
        # Read it once now, so that a file that is not a table is refused on this page.
        tables.read_sheet(data, file.filename, item_kind.value)
        token = uploads.save(
            ui.request.app.state.settings,
            data,
            filename=file.filename,
            kind=item_kind.value,
            owner_id=ui.principal.user_id,
        )
    except InvalidInput as exc:
        return _page(ui, error=exc.message, error_kind=kind, status_code=422)
    return ui.redirect(f"/transfer/preview/{token}")


@router.get("/preview/{token}", response_class=HTMLResponse)
def preview_page(ui: Ui, token: str) -> HTMLResponse:
    """The detected columns, the first rows and the rows that would fail; nothing written."""
    upload = _owned_upload(ui, token)
    kind = _kind(upload.kind)
    org_id = permissions.import_org_id(ui.principal, kind)
    try:
        result = importing.preview(
            ui.session,
            upload.data,
            upload.filename,
            kind,
            org_id=org_id,
            scope=ui.principal.scope,
        )
    except InvalidInput as exc:
        return _page(ui, error=exc.message, error_kind=kind.value, status_code=422)
    # The sample shows the recognised columns that have a value in at least one row.
    shown = [
        c for c in result.columns if c.field and any(r.values.get(c.field) for r in result.sample)
    ]
    return ui.render(
        "transfer/preview.html",
        {
            "upload": upload,
            "kind": kind.value,
            "noun": KIND_NOUNS[kind.value],
            "result": result,
            "shown": shown,
        },
    )


@router.post("/import/{token}", response_model=None)
def import_upload(ui: Ui, token: str) -> RedirectResponse:
    """Start importing the upload: the worker commits its rows in chunks; the job's page
    shows the progress, then the result."""
    upload = _owned_upload(ui, token)
    kind = _kind(upload.kind)
    job = runs.start(ui.session, ui.principal, upload, kind)
    return ui.redirect(f"/transfer/imports/{job.id}")


@router.get("/imports/{job_id}", response_class=HTMLResponse)
def import_job_page(ui: Ui, job_id: Id) -> HTMLResponse:
    """An import under way (a progress bar; the page refreshes itself), then its result:
    the rows kept, and the refused ones by number and reason, as a sheet to fix."""
    job = runs.get(ui.session, ui.principal, job_id)
    kind = _kind(job.kind)
    context = {
        "job": job,
        "kind": kind.value,
        "noun": KIND_NOUNS[kind.value],
        "filename": job.filename,
        "report": runs.report_of(job),
        "errors_token": job.errors_token,
        "list_url": _list_url(ui.principal, kind),
        "refresh_seconds": REFRESH_SECONDS,
    }
    if job.status in runs.UNFINISHED:
        return ui.render("transfer/progress.html", context)
    return ui.render("transfer/result.html", context)


@router.get("/errors/{token}")
def download_errors(ui: Ui, token: str) -> Response:
    """The rows that failed, with 错误原因, to fix and upload again."""
    upload = _owned_upload(ui, token)
    kind = _kind(upload.kind)
    return xlsx(upload.data, upload.filename, f"{kind.value}-import-errors.xlsx")


# -- export ---------------------------------------------------------------------------
def _export_options(
    ui: Ui, kind: Kind, industry_field: str, town: str, status: str, contacts: bool
) -> tuple[ItemFilters, bool, bool]:
    """Filters and options from the form, checked against what this user may export."""
    field = None
    if industry_field:
        try:
            field = IndustryField.parse(industry_field).value
        except ValueError as exc:
            raise InvalidInput(f"行业领域：{exc}", field="industry_field") from exc
    state = None
    if status and status != ALL_STATUSES:
        enum = NeedStatus if kind is Kind.NEEDS else ItemStatus
        try:
            state = enum.parse(status).value
        except ValueError as exc:
            raise InvalidInput(f"状态：{exc}", field="status") from exc
    unpublished = bool(status)
    scoped_town = permissions.export_scope(
        ui.principal, contacts=contacts, unpublished=unpublished, town=town.strip() or None
    )
    filters = ItemFilters(industry_field=field, town=scoped_town, status=state)
    return filters, contacts, status == ALL_STATUSES


Field = Annotated[str, Query(description="行业领域")]
Town = Annotated[str, Query(description="所在区镇")]
Status = Annotated[str, Query(description="状态（工作人员）")]
Contacts = Annotated[bool, Query(description="包含联系方式（工作人员）")]


@router.get("/export")
def export_form(
    ui: Ui,
    kind: str = "needs",
    format: str = "xlsx",
    industry_field: Field = "",
    town: Town = "",
    status: Status = "",
    contacts: Contacts = False,
) -> RedirectResponse:
    """The export form's target: on to the Excel file or to the printable compilation."""
    permissions.require_login(ui.principal)
    item_kind = _kind(kind, EXPORTABLE)
    params = {"industry_field": industry_field, "town": town, "status": status}
    query = urlencode(
        {k: v for k, v in params.items() if v} | ({"contacts": 1} if contacts else {})
    )
    suffix = f"?{query}" if query else ""
    if format == "compilation":
        return RedirectResponse(f"/transfer/compilation/{item_kind.value}{suffix}", 303)
    return RedirectResponse(f"/transfer/export/{item_kind.value}.xlsx{suffix}", 303)


@router.get("/export/{kind}.xlsx")
def export_xlsx(
    ui: Ui,
    kind: str,
    industry_field: Field = "",
    town: Town = "",
    status: Status = "",
    contacts: Contacts = False,
) -> Response:
    """The needs or achievements passing the filters, in the import template's columns."""
    permissions.require_login(ui.principal)
    item_kind = _kind(kind, EXPORTABLE)
    filters, with_contacts, closed = _export_options(
        ui, item_kind, industry_field, town, status, contacts
    )
    data = exporting.export_workbook(
        ui.session, item_kind, filters, include_contacts=with_contacts, include_closed=closed
    )
    day = clock.local_today().isoformat()
    name = f"{DATA_SHEET[item_kind]}导出（{day}）.xlsx"
    return xlsx(data, name, f"{item_kind.value}-{day}.xlsx")


@router.get("/compilation/{kind}", response_class=HTMLResponse)
def compilation_page(
    ui: Ui,
    kind: str,
    industry_field: Field = "",
    town: Town = "",
    status: Status = "",
    contacts: Contacts = False,
) -> HTMLResponse:
    """The printable booklet (需求信息汇编 / 科技成果汇编), grouped by industry field."""
    permissions.require_login(ui.principal)
    item_kind = _kind(kind, EXPORTABLE)
    filters, with_contacts, closed = _export_options(
        ui, item_kind, industry_field, town, status, contacts
    )
    book = exporting.compilation(
        ui.session,
        item_kind,
        filters,
        include_contacts=with_contacts,
        include_closed=closed,
    )
    name = exporting.compilation_filename(book, ".html")
    disposition = attachment(name, f"{item_kind.value}-compilation.html", "inline")
    return HTMLResponse(
        exporting.render_compilation(book), headers={"Content-Disposition": disposition}
    )
