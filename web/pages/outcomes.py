"""Outcome pages: cooperation agreements, technology contracts with their status and
payments, the registration-sheet import/export, and the audit log for administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from matchmaking import clock
from matchmaking.accounts.permissions import require_admin, require_login, require_staff
from matchmaking.attachments import service as attachments
from matchmaking.attachments.service import ALLOWED_KINDS
from matchmaking.attachments.storage import ALLOWED_TEXT
from matchmaking.audit import service as audit
from matchmaking.audit.service import AuditFilters
from matchmaking.config import Settings
from matchmaking.enums import (
    AgreementKind,
    AgreementStatus,
    AttachmentOwner,
    AuditAction,
    ContractAction,
    ContractFlow,
    ContractStatus,
    ContractSubtype,
    ContractType,
    IpType,
    NotRegisteredReason,
    OrgKind,
    Origin,
    PartyNature,
    TechField,
)
from matchmaking.exceptions import InvalidInput
from matchmaking.importing import tables
from matchmaking.models import Organization
from matchmaking.outcomes import access, agreements, contracts, transfer
from matchmaking.outcomes import repository as outcomes_repository
from matchmaking.outcomes.agreements import AgreementFilters
from matchmaking.outcomes.contracts import ContractFilters
from matchmaking.outcomes.schemas import (
    AgreementCreate,
    AgreementUpdate,
    ContractCreate,
    ContractStep,
    ContractUpdate,
    PaymentCreate,
    wan_text,
)
from matchmaking.towns import service as towns
from web.deps import ReadFirst
from web.downloads import stored_file, xlsx
from web.pages.common import Ui
from web.pages.forms import ListFilters, listing, parse_values, read_form
from web.params import Id

router = APIRouter()
PAGE_SIZE = 20


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text | textarea | date | number | select
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False


def _opts(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, m.label) for m in enum)


def _org_opts(ui: Ui, kinds: tuple[OrgKind, ...]) -> tuple[tuple[str, str], ...]:
    stmt = (
        select(Organization.id, Organization.name)
        .where(Organization.kind.in_([k.value for k in kinds]))
        .order_by(Organization.name)
        .limit(2000)
    )
    return tuple((str(i), n) for i, n in ui.session.execute(stmt))


def _town_opts(ui: Ui) -> tuple[tuple[str, str], ...]:
    return tuple((str(t.id), t.name) for t in towns.listing(ui.session, active_only=True))


def _agreement_fields(ui: Ui) -> list[FormField]:
    return [
        FormField("kind", "协议类型", "select", _opts(AgreementKind), True),
        FormField("title", "协议名称", required=True),
        FormField(
            "company_org_id", "本地企业", "select", _org_opts(ui, (OrgKind.ENTERPRISE,)), True
        ),
        FormField(
            "partner_org_id",
            "高校院所",
            "select",
            _org_opts(ui, (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)),
        ),
        FormField("expert_id", "专家编号（可选）", "number"),
        FormField("signed_on", "签订日期", "date", required=True),
        FormField("town_id", "所属区镇（不选则取企业所在区镇）", "select", _town_opts(ui)),
        FormField("planned_amount_wan", "协议金额（万元）", "number"),
        FormField("origin", "来源", "select", _opts(Origin)),
        FormField("summary", "合作内容摘要", "textarea"),
    ]


def _contract_fields(ui: Ui, *, editing: bool) -> list[FormField]:
    orgs = _org_opts(ui, tuple(OrgKind))
    fields = [
        FormField("name", "项目名称", required=True),
        FormField("contract_type", "合同类型", "select", _opts(ContractType), True),
        FormField("contract_subtype", "合同子类", "select", _opts(ContractSubtype), True),
        FormField("seller_name", "卖方（输出方）名称", required=True),
        FormField("seller_nature", "卖方性质", "select", _opts(PartyNature), True),
        FormField("seller_region", "卖方行政区划代码"),
        FormField("seller_org_id", "卖方在平台上的单位", "select", orgs),
        FormField("buyer_name", "买方（吸纳方）名称", required=True),
        FormField("buyer_nature", "买方性质", "select", _opts(PartyNature), True),
        FormField("buyer_region", "买方行政区划代码"),
        FormField("buyer_org_id", "买方在平台上的单位", "select", orgs),
        FormField("signed_on", "签订日期", "date", required=True),
        FormField("valid_from", "有效期起", "date"),
        FormField("valid_to", "有效期止", "date"),
        FormField("amount_wan", "合同成交额（万元）", "number", required=True),
        FormField("tech_amount_wan", "技术交易额（万元）", "number"),
        FormField("tech_field", "技术领域", "select", _opts(TechField), True),
        FormField("ip_type", "知识产权类型", "select", _opts(IpType)),
        FormField("town_id", "所属区镇（不选则取本地一方所在区镇）", "select", _town_opts(ui)),
        FormField("authority", "登记机构"),
        FormField("origin", "来源", "select", _opts(Origin)),
        FormField("note", "备注", "textarea"),
    ]
    if not editing:
        fields[19:19] = [
            FormField("registration_no", "合同登记编号（已登记的合同填写）"),
            FormField("registered_on", "登记日期", "date"),
        ]
    return fields


def _values(row: Any, fields: list[FormField]) -> dict[str, str]:
    out = {}
    for f in fields:
        value = getattr(row, f.name, None)
        out[f.name] = "" if value is None else str(getattr(value, "value", value))
    return out


def _form(
    ui: Ui,
    *,
    title: str,
    action: str,
    fields: list[FormField],
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "title": title,
        "action": action,
        "fields": fields,
        "values": values,
        "errors": errors or {},
    }
    return ui.render("outcomes/form.html", context, status_code=status_code)


# -- agreements ------------------------------------------------------------------
class AgreementListFilters(ListFilters):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None
    origin: Origin | None = None
    town_id: int | None = None
    q: str | None = None


@router.get("/agreements", response_class=HTMLResponse)
def agreement_list(ui: Ui, f: Annotated[AgreementListFilters, Query()]) -> HTMLResponse:
    """Cooperation agreements (staff: their scope; organizations: theirs)."""
    require_login(ui.principal)
    filters = AgreementFilters(**f.model_dump(exclude={"page"}))
    found = agreements.list_for(ui.session, ui.principal, filters, page=f.page, size=PAGE_SIZE)
    context = {
        "f": f.chosen(),
        "kinds": list(AgreementKind),
        "statuses": list(AgreementStatus),
        "origins": list(Origin),
        "towns": towns.listing(ui.session) if ui.principal.is_staff else [],
    }
    return ui.render("outcomes/agreements.html", {**context, **listing(found, f)})


@router.get("/agreements/new", response_class=HTMLResponse)
def agreement_new(ui: Ui) -> HTMLResponse:
    require_staff(ui.principal)
    fields = _agreement_fields(ui)
    values = {"kind": "project", "origin": "direct"}
    return _form(ui, title="录入合作协议", action="/agreements/new", fields=fields, values=values)


@router.post("/agreements/new", response_model=None)
async def agreement_create(ui: Ui) -> HTMLResponse | RedirectResponse:
    require_staff(ui.principal)
    form = await read_form(ui.request, AgreementCreate)
    fields = _agreement_fields(ui)
    if form.ok:
        assert form.data is not None
        with form.field_errors():
            row = agreements.create(ui.session, ui.principal, form.data)
            return ui.redirect(f"/agreements/{row.id}", "已录入合作协议")
    ui.session.rollback()
    return _form(
        ui,
        title="录入合作协议",
        action="/agreements/new",
        fields=fields,
        values=form.values,
        errors=form.errors,
        status_code=422,
    )


def _files(
    ui: Ui,
    owner: AttachmentOwner,
    record_id: int,
    town_id: int | None,
    errors: dict[str, str],
    *,
    legacy: list[tuple[str, str]],
    payments: list[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    """The context of the attachments card (``outcomes/_attachments.html``). ``legacy``:
    the file keys the old text columns hold (label, value), shown as notes when set."""
    settings: Settings = ui.request.app.state.settings
    return {
        "legacy": [(label, value) for label, value in legacy if value],
        "payment_choices": payments or [],
        "files": attachments.list_for(ui.session, ui.principal, owner, record_id),
        "can_upload": attachments.can_edit(ui.principal, town_id),
        "file_kinds": ALLOWED_KINDS[owner],
        "allowed_types": ALLOWED_TEXT,
        "max_mb": settings.attachment_max_mb,
        "file_errors": errors,
    }


def _agreement_page(
    ui: Ui, agreement_id: int, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    a = agreements.get(ui.session, ui.principal, agreement_id)
    editable = ui.principal.is_staff and ui.principal.scope.covers(a.town_id)
    files = _files(
        ui,
        AttachmentOwner.AGREEMENT,
        a.id,
        a.town_id,
        errors or {},
        legacy=[("协议扫描件", a.attachment)],
    )
    context = {"a": a, "editable": editable, "base": f"/agreements/{a.id}", **files}
    return ui.render("outcomes/agreement.html", context, status_code=status_code)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(ui: Ui, agreement_id: int) -> HTMLResponse:
    """One agreement with its files."""
    return _agreement_page(ui, agreement_id)


# -- attachments (agreements and contracts) ----------------------------------------------
def _record_page(
    ui: Ui, owner: AttachmentOwner, record_id: int, errors: dict[str, str], status_code: int
) -> HTMLResponse:
    if owner is AttachmentOwner.AGREEMENT:
        return _agreement_page(ui, record_id, errors=errors, status_code=status_code)
    return _contract_page(ui, record_id, errors=errors, status_code=status_code)


def _upload_page(
    ui: Ui,
    owner: AttachmentOwner,
    record_id: int,
    file: UploadFile | None,
    kind: str,
    payment_id: str = "",
) -> HTMLResponse | RedirectResponse:
    settings: Settings = ui.request.app.state.settings
    try:
        made = attachments.upload(
            ui.session,
            ui.principal,
            root=settings.attachment_dir,
            max_bytes=settings.attachment_max_bytes,
            record_kind=owner,
            record_id=record_id,
            source=file.file if file is not None else None,
            filename=file.filename if file is not None else None,
            kind=kind,
            payment_id=payment_id,
        )
    except InvalidInput as exc:
        ui.session.rollback()
        errors = {f"file_{exc.field or 'form'}": exc.message}
        return _record_page(ui, owner, record_id, errors, 422)
    base = "/agreements" if owner is AttachmentOwner.AGREEMENT else "/contracts"
    return ui.redirect(f"{base}/{record_id}#attachments", f"已上传附件“{made.filename}”")


def _download_page(ui: Ui, owner: AttachmentOwner, record_id: int, attachment_id: int) -> Response:
    settings: Settings = ui.request.app.state.settings
    found = attachments.download(
        ui.session, ui.principal, settings.attachment_dir, owner, record_id, attachment_id
    )
    return stored_file(found.path, found.content_type, found.filename, found.fallback)


def _delete_page(
    ui: Ui, owner: AttachmentOwner, record_id: int, attachment_id: int
) -> RedirectResponse:
    settings: Settings = ui.request.app.state.settings
    name = attachments.delete(
        ui.session,
        ui.principal,
        root=settings.attachment_dir,
        record_kind=owner,
        record_id=record_id,
        attachment_id=attachment_id,
    )
    base = "/agreements" if owner is AttachmentOwner.AGREEMENT else "/contracts"
    return ui.redirect(f"{base}/{record_id}#attachments", f"已删除附件“{name}”")


FileField = Annotated[UploadFile | None, File()]
KindField = Annotated[str, Form(max_length=32)]


@router.post(
    "/agreements/{agreement_id}/attachments", response_model=None, dependencies=[ReadFirst]
)
def agreement_attachment_upload(
    ui: Ui, agreement_id: Id, file: FileField = None, kind: KindField = ""
) -> HTMLResponse | RedirectResponse:
    """Upload a file to an agreement (staff in scope); a refused one is named on the page."""
    return _upload_page(ui, AttachmentOwner.AGREEMENT, agreement_id, file, kind)


@router.get("/agreements/{agreement_id}/attachments/{attachment_id}")
def agreement_attachment_download(ui: Ui, agreement_id: Id, attachment_id: Id) -> Response:
    """One of the agreement's files, as a download."""
    return _download_page(ui, AttachmentOwner.AGREEMENT, agreement_id, attachment_id)


@router.post("/agreements/{agreement_id}/attachments/{attachment_id}/delete")
def agreement_attachment_delete(ui: Ui, agreement_id: Id, attachment_id: Id) -> RedirectResponse:
    """Remove one of the agreement's files (staff in scope)."""
    return _delete_page(ui, AttachmentOwner.AGREEMENT, agreement_id, attachment_id)


@router.post("/contracts/{contract_id}/attachments", response_model=None, dependencies=[ReadFirst])
def contract_attachment_upload(
    ui: Ui,
    contract_id: Id,
    file: FileField = None,
    kind: KindField = "",
    payment_id: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse | RedirectResponse:
    """Upload a file to a contract or one of its payments (staff in scope)."""
    return _upload_page(ui, AttachmentOwner.CONTRACT, contract_id, file, kind, payment_id)


@router.get("/contracts/{contract_id}/attachments/{attachment_id}")
def contract_attachment_download(ui: Ui, contract_id: Id, attachment_id: Id) -> Response:
    """One of the contract's (or its payments') files, as a download."""
    return _download_page(ui, AttachmentOwner.CONTRACT, contract_id, attachment_id)


@router.post("/contracts/{contract_id}/attachments/{attachment_id}/delete")
def contract_attachment_delete(ui: Ui, contract_id: Id, attachment_id: Id) -> RedirectResponse:
    """Remove one of the contract's files (staff in scope)."""
    return _delete_page(ui, AttachmentOwner.CONTRACT, contract_id, attachment_id)


@router.get("/agreements/{agreement_id}/edit", response_class=HTMLResponse)
def agreement_edit(ui: Ui, agreement_id: int) -> HTMLResponse:
    a = agreements.get(ui.session, ui.principal, agreement_id)
    row = outcomes_repository.agreement(ui.session, agreement_id)
    access.ensure_can_edit_town(ui.principal, a.town_id, "合作协议")
    fields = _agreement_fields(ui)
    return _form(
        ui,
        title=f"修改合作协议：{a.title}",
        action=f"/agreements/{agreement_id}/edit",
        fields=fields,
        values=_values(row, fields),
    )


@router.post("/agreements/{agreement_id}/edit", response_model=None)
async def agreement_update(ui: Ui, agreement_id: int) -> HTMLResponse | RedirectResponse:
    require_staff(ui.principal)
    form = await read_form(ui.request, AgreementCreate)
    fields = _agreement_fields(ui)
    if form.ok:
        assert form.data is not None
        data = AgreementUpdate.model_validate(form.data.model_dump())
        with form.field_errors():
            agreements.update(ui.session, ui.principal, agreement_id, data)
            return ui.redirect(f"/agreements/{agreement_id}", "已保存修改")
    ui.session.rollback()
    return _form(
        ui,
        title="修改合作协议",
        action=f"/agreements/{agreement_id}/edit",
        fields=fields,
        values=form.values,
        errors=form.errors,
        status_code=422,
    )


# -- contracts -------------------------------------------------------------------
class ContractListFilters(ListFilters):
    status: ContractStatus | None = None
    contract_type: ContractType | None = None
    tech_field: TechField | None = None
    flow: ContractFlow | None = None
    origin: Origin | None = None
    town_id: int | None = None
    registered: bool | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _contract_filters(f: ContractListFilters) -> ContractFilters:
    return ContractFilters(**f.model_dump(exclude={"page"}))


@router.get("/contracts", response_class=HTMLResponse)
def contract_list(ui: Ui, f: Annotated[ContractListFilters, Query()]) -> HTMLResponse:
    """Technology contracts (staff: their scope; organizations: as buyer or seller)."""
    require_login(ui.principal)
    found = contracts.list_for(
        ui.session, ui.principal, _contract_filters(f), page=f.page, size=PAGE_SIZE
    )
    context = {
        "f": f.chosen(),
        "statuses": list(ContractStatus),
        "types": list(ContractType),
        "tech_fields": list(TechField),
        "flows": list(ContractFlow),
        "origins": list(Origin),
        "towns": towns.listing(ui.session) if ui.principal.is_staff else [],
    }
    return ui.render("outcomes/contracts.html", {**context, **listing(found, f)})


@router.get("/contracts/export.xlsx")
def contract_export(ui: Ui, f: Annotated[ContractListFilters, Query()]) -> Response:
    """The listed contracts as 技术合同登记表 (.xlsx, JJ-001 column order)."""
    require_login(ui.principal)
    data = transfer.export(ui.session, ui.principal, _contract_filters(f))
    return xlsx(data, transfer.export_filename(), "contracts.xlsx")


@router.post("/contracts/import", response_class=HTMLResponse, dependencies=[ReadFirst])
def contract_import(ui: Ui, file: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """Import a registration sheet: bad rows listed by number and reason, good rows kept."""
    require_staff(ui.principal)
    if file is None or not file.filename:
        return ui.render(
            "outcomes/import_result.html", {"error": "请选择要导入的文件"}, status_code=422
        )
    data = file.file.read(tables.MAX_BYTES + 1)
    try:
        if len(data) > tables.MAX_BYTES:
            raise InvalidInput(f"文件超过 {tables.MAX_BYTES // 1024 // 1024} MB，请拆分后导入")
        report = transfer.import_file(ui.session, ui.principal, data, file.filename)
    except InvalidInput as exc:
        return ui.render("outcomes/import_result.html", {"error": exc.message}, status_code=422)
    return ui.render(
        "outcomes/import_result.html",
        {"report": report, "filename": file.filename, "error": ""},
    )


@router.get("/contracts/new", response_class=HTMLResponse)
def contract_new(ui: Ui) -> HTMLResponse:
    require_staff(ui.principal)
    fields = _contract_fields(ui, editing=False)
    values = {"ip_type": "none", "origin": "direct", "buyer_region": "", "seller_region": ""}
    return _form(ui, title="录入技术合同", action="/contracts/new", fields=fields, values=values)


@router.post("/contracts/new", response_model=None)
async def contract_create(ui: Ui) -> HTMLResponse | RedirectResponse:
    require_staff(ui.principal)
    form = await read_form(ui.request, ContractCreate)
    fields = _contract_fields(ui, editing=False)
    if form.ok:
        assert form.data is not None
        with form.field_errors():
            row = contracts.create(ui.session, ui.principal, form.data)
            return ui.redirect(f"/contracts/{row.id}", "已录入技术合同")
    ui.session.rollback()
    return _form(
        ui,
        title="录入技术合同",
        action="/contracts/new",
        fields=fields,
        values=form.values,
        errors=form.errors,
        status_code=422,
    )


def _contract_page(
    ui: Ui, contract_id: int, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    c = contracts.get(ui.session, ui.principal, contract_id)
    errors = errors or {}
    context = {
        "c": c,
        "errors": errors,
        "reasons": list(NotRegisteredReason),
        "today": clock.local_today().isoformat(),
        "base": f"/contracts/{c.id}",
        **_files(
            ui,
            AttachmentOwner.CONTRACT,
            c.id,
            c.town_id,
            errors,
            legacy=[
                ("合同扫描件", c.contract_scan),
                ("登记证明", c.certificate),
                *((f"到账凭证（{x.received_on}）", x.attachment) for x in c.payments),
            ],
            payments=[
                (x.id, f"{x.received_on} · {wan_text(x.amount_wan)} 万元") for x in c.payments
            ],
        ),
    }
    return ui.render("outcomes/contract.html", context, status_code=status_code)


@router.get("/contracts/{contract_id}", response_class=HTMLResponse)
def contract_page(ui: Ui, contract_id: int) -> HTMLResponse:
    """One contract: its registration fields, status history, payments and actions."""
    return _contract_page(ui, contract_id)


@router.get("/contracts/{contract_id}/edit", response_class=HTMLResponse)
def contract_edit(ui: Ui, contract_id: int) -> HTMLResponse:
    c = contracts.get(ui.session, ui.principal, contract_id)
    if not c.can_edit:
        require_staff(ui.principal)
        access.ensure_can_edit_town(ui.principal, c.town_id, "技术合同")
    fields = _contract_fields(ui, editing=True)
    return _form(
        ui,
        title=f"修改技术合同：{c.name}",
        action=f"/contracts/{contract_id}/edit",
        fields=fields,
        values=_values(c, fields),
    )


@router.post("/contracts/{contract_id}/edit", response_model=None)
async def contract_update(ui: Ui, contract_id: int) -> HTMLResponse | RedirectResponse:
    require_staff(ui.principal)
    form = await read_form(ui.request, ContractCreate)
    fields = _contract_fields(ui, editing=True)
    if form.ok:
        assert form.data is not None
        dump = form.data.model_dump(exclude={"registration_no", "registered_on"})
        with form.field_errors():
            contracts.update(
                ui.session, ui.principal, contract_id, ContractUpdate.model_validate(dump)
            )
            return ui.redirect(f"/contracts/{contract_id}", "已保存修改")
    ui.session.rollback()
    return _form(
        ui,
        title="修改技术合同",
        action=f"/contracts/{contract_id}/edit",
        fields=fields,
        values=form.values,
        errors=form.errors,
        status_code=422,
    )


@router.post("/contracts/{contract_id}/actions/{action}", response_model=None)
def contract_act(
    ui: Ui,
    contract_id: int,
    action: ContractAction,
    registration_no: Annotated[str, Form(max_length=64)] = "",
    registered_on: Annotated[str, Form(max_length=32)] = "",
    authority: Annotated[str, Form(max_length=200)] = "",
    tech_amount_wan: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse | RedirectResponse:
    """A status action; registration asks for the number, date and authority."""
    require_staff(ui.principal)
    values = {
        "registration_no": registration_no,
        "registered_on": registered_on,
        "authority": authority,
        "tech_amount_wan": tech_amount_wan,
        "reason": reason,
        "note": note,
    }
    form = parse_values(ContractStep, values)
    if not form.ok:
        return _contract_page(ui, contract_id, errors=form.errors, status_code=422)
    assert form.data is not None
    try:
        contracts.act(ui.session, ui.principal, contract_id, action, form.data)
    except InvalidInput as exc:
        ui.session.rollback()
        errors = {exc.field or "form": exc.message}
        return _contract_page(ui, contract_id, errors=errors, status_code=422)
    return ui.redirect(f"/contracts/{contract_id}", f"已{action.label}")


@router.post("/contracts/{contract_id}/payments", response_model=None)
async def contract_payment(ui: Ui, contract_id: int) -> HTMLResponse | RedirectResponse:
    """Record money received; a sum above the contract value is shown as a warning."""
    require_staff(ui.principal)
    form = await read_form(ui.request, PaymentCreate)
    if not form.ok:
        errors = {f"payment_{k}": v for k, v in form.errors.items()}
        return _contract_page(ui, contract_id, errors=errors, status_code=422)
    assert form.data is not None
    try:
        result = contracts.add_payment(ui.session, ui.principal, contract_id, form.data)
    except InvalidInput as exc:
        ui.session.rollback()
        errors = {f"payment_{exc.field or 'form'}": exc.message}
        return _contract_page(ui, contract_id, errors=errors, status_code=422)
    if result.warnings:
        return ui.redirect(f"/contracts/{contract_id}", "已记录到账；" + result.warnings[0], "warn")
    return ui.redirect(f"/contracts/{contract_id}", "已记录到账")


# -- audit -----------------------------------------------------------------------
class AuditListFilters(ListFilters):
    entity_kind: str | None = None
    entity_id: int | None = None
    action: AuditAction | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(ui: Ui, f: Annotated[AuditListFilters, Query()]) -> HTMLResponse:
    """The audit log (administrators): who changed which record, when, old and new values."""
    require_admin(ui.principal)
    filters = AuditFilters(**f.model_dump(exclude={"page"}))
    found = audit.list_for(ui.session, ui.principal, filters, page=f.page, size=50)
    context = {
        "f": f.chosen(),
        "entities": list(audit.ENTITY_LABELS.items()),
        "actions": list(AuditAction),
    }
    return ui.render("outcomes/audit.html", {**context, **listing(found, f)})


@router.get("/admin/audit/export.xlsx")
def audit_export(ui: Ui, f: Annotated[AuditListFilters, Query()]) -> Response:
    require_admin(ui.principal)
    filters = AuditFilters(**f.model_dump(exclude={"page"}))
    data = audit.export_xlsx(ui.session, ui.principal, filters)
    return xlsx(data, "操作日志.xlsx", "audit.xlsx")
