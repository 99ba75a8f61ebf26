"""JSON API: cooperation agreements, technology contracts and payments, and the audit log.

The same services as the pages: staff create and edit (town staff: their town);
enterprises and universities read the records they are a party to; the audit log is
for administrators.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from matchmaking.accounts.permissions import require_staff
from matchmaking.attachments import service as attachments
from matchmaking.attachments.schemas import AttachmentRead
from matchmaking.audit import service as audit
from matchmaking.audit.service import AuditFilters, AuditRead
from matchmaking.common.schemas import Page, make_page
from matchmaking.config import Settings
from matchmaking.enums import AttachmentOwner, ContractAction
from matchmaking.exceptions import InvalidInput
from matchmaking.importing import tables
from matchmaking.outcomes import agreements, contracts, transfer
from matchmaking.outcomes.agreements import AgreementFilters
from matchmaking.outcomes.contracts import ContractFilters
from matchmaking.outcomes.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementUpdate,
    ContractCreate,
    ContractDetail,
    ContractRead,
    ContractStep,
    ContractUpdate,
    PaymentCreate,
    PaymentRead,
    PaymentResult,
)
from web.api.idempotency import IdempotencyDep
from web.deps import Page as PageQ
from web.deps import PageSize, PrincipalDep, ReadFirst, SessionDep
from web.downloads import XLSX, stored_file, xlsx
from web.params import Id

agreements_router = APIRouter(prefix="/agreements", tags=["agreements 合作协议"])
contracts_router = APIRouter(prefix="/contracts", tags=["contracts 技术合同"])
audit_router = APIRouter(prefix="/audit", tags=["audit 操作日志"])


XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Excel 工作簿（.xlsx）", "content": {XLSX: {}}}
}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "附件文件（PDF、JPG、PNG、DOCX 或 XLSX），以下载方式返回",
        "content": {"application/octet-stream": {}},
    }
}
# Multipart fields of an upload: the file, its kind (合同文本/扫描件, 登记证明, 到账凭证,
# 其他: code or label) and, for a contract, the payment it is the 凭证 of.
UploadDep = Annotated[UploadFile | None, File(description="PDF、JPG、PNG、DOCX 或 XLSX")]
KindForm = Annotated[
    str, Form(max_length=32, description="contract_text | certificate | payment_proof | other")
]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _upload(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    owner: AttachmentOwner,
    record_id: int,
    file: UploadFile | None,
    kind: str,
    payment_id: str = "",
) -> AttachmentRead:
    settings = _settings(request)
    return attachments.upload(
        session,
        principal,
        root=settings.attachment_dir,
        max_bytes=settings.attachment_max_bytes,
        record_kind=owner,
        record_id=record_id,
        source=file.file if file is not None else None,
        filename=file.filename if file is not None else None,
        kind=kind,
        payment_id=payment_id,
    )


def _download(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    owner: AttachmentOwner,
    record_id: int,
    attachment_id: int,
) -> FileResponse:
    root = _settings(request).attachment_dir
    found = attachments.download(session, principal, root, owner, record_id, attachment_id)
    return stored_file(found.path, found.content_type, found.filename, found.fallback)


# -- agreements ------------------------------------------------------------------
@agreements_router.get("", response_model=Page[AgreementRead])
def list_agreements(
    session: SessionDep,
    principal: PrincipalDep,
    filters: Annotated[AgreementFilters, Query()],
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[AgreementRead]:
    """Agreements I may see (staff: their scope; organizations: theirs), newest first."""
    return make_page(agreements.list_for(session, principal, filters, page=page, size=page_size))


@agreements_router.post("", response_model=AgreementRead, status_code=201)
def create_agreement(
    session: SessionDep, principal: PrincipalDep, data: AgreementCreate, idempotent: IdempotencyDep
) -> Any:
    """Enter a cooperation agreement (staff)."""

    def create() -> AgreementRead:
        row = agreements.create(session, principal, data)
        return agreements.reads(session, [row])[0]

    return idempotent.run(session, create, status_code=201)


@agreements_router.get("/{agreement_id}", response_model=AgreementRead)
def read_agreement(session: SessionDep, principal: PrincipalDep, agreement_id: Id) -> AgreementRead:
    return agreements.get(session, principal, agreement_id)


@agreements_router.patch("/{agreement_id}", response_model=AgreementRead)
def update_agreement(
    session: SessionDep, principal: PrincipalDep, agreement_id: Id, data: AgreementUpdate
) -> AgreementRead:
    """Change an agreement (staff in scope); the change is written to the audit log."""
    row = agreements.update(session, principal, agreement_id, data)
    return agreements.reads(session, [row])[0]


@agreements_router.get("/{agreement_id}/attachments", response_model=list[AttachmentRead])
def list_agreement_attachments(
    session: SessionDep, principal: PrincipalDep, agreement_id: Id
) -> list[AttachmentRead]:
    """The agreement's files (anyone who may see the agreement), oldest first."""
    return attachments.list_for(session, principal, AttachmentOwner.AGREEMENT, agreement_id)


@agreements_router.post(
    "/{agreement_id}/attachments",
    response_model=AttachmentRead,
    status_code=201,
    dependencies=[ReadFirst],
)
def upload_agreement_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    agreement_id: Id,
    file: UploadDep = None,
    kind: KindForm = "",
) -> AttachmentRead:
    """Upload a file to an agreement (staff in scope): PDF, JPG, PNG, DOCX or XLSX, by
    content; larger than MATCHMAKING_ATTACHMENT_MAX_MB is refused."""
    return _upload(request, session, principal, AttachmentOwner.AGREEMENT, agreement_id, file, kind)


@agreements_router.get(
    "/{agreement_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses=FILE_RESPONSE,
)
def download_agreement_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    agreement_id: Id,
    attachment_id: Id,
) -> FileResponse:
    """One of the agreement's files, as a download."""
    return _download(
        request, session, principal, AttachmentOwner.AGREEMENT, agreement_id, attachment_id
    )


@agreements_router.delete("/{agreement_id}/attachments/{attachment_id}", status_code=204)
def delete_agreement_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    agreement_id: Id,
    attachment_id: Id,
) -> Response:
    """Remove one of the agreement's files (staff in scope); written to the audit log."""
    attachments.delete(
        session,
        principal,
        root=_settings(request).attachment_dir,
        record_kind=AttachmentOwner.AGREEMENT,
        record_id=agreement_id,
        attachment_id=attachment_id,
    )
    return Response(status_code=204)


# -- contracts -------------------------------------------------------------------
@contracts_router.get("", response_model=Page[ContractRead])
def list_contracts(
    session: SessionDep,
    principal: PrincipalDep,
    filters: Annotated[ContractFilters, Query()],
    page: PageQ = 1,
    page_size: PageSize = 20,
) -> Page[ContractRead]:
    """Contracts I may see (staff: their scope; organizations: as buyer or seller)."""
    return make_page(contracts.list_for(session, principal, filters, page=page, size=page_size))


@contracts_router.post("", response_model=ContractRead, status_code=201)
def create_contract(
    session: SessionDep, principal: PrincipalDep, data: ContractCreate, idempotent: IdempotencyDep
) -> Any:
    """Enter a contract (staff): a draft, or registered when it has a registration number."""

    def create() -> ContractRead:
        row = contracts.create(session, principal, data)
        return contracts.reads(session, [row])[0]

    return idempotent.run(session, create, status_code=201)


@contracts_router.get("/export", response_class=Response, responses=XLSX_RESPONSE)
def export_contracts(
    session: SessionDep, principal: PrincipalDep, filters: Annotated[ContractFilters, Query()]
) -> Response:
    """The contracts I may see, as 技术合同登记表 (.xlsx, JJ-001 column order)."""
    data = transfer.export(session, principal, filters)
    return xlsx(data, transfer.export_filename(), "contracts.xlsx")


class ImportRowError(BaseModel):
    row: int
    message: str


class ImportResult(BaseModel):
    total: int
    created: int
    updated: int
    errors: list[ImportRowError]


@contracts_router.post("/import", response_model=ImportResult, dependencies=[ReadFirst])
def import_contracts(
    session: SessionDep, principal: PrincipalDep, file: Annotated[UploadFile | None, File()] = None
) -> ImportResult:
    """Import a registration sheet (staff): bad rows reported, good rows kept; a repeated
    registration number updates its contract."""
    require_staff(principal)
    if file is None:
        raise InvalidInput("请上传技术合同登记表（.xlsx 或 .csv）", field="file")
    data = file.file.read(tables.MAX_BYTES + 1)
    if len(data) > tables.MAX_BYTES:
        raise InvalidInput(f"文件超过 {tables.MAX_BYTES // 1024 // 1024} MB，请拆分后导入")
    report = transfer.import_file(session, principal, data, file.filename or "upload.xlsx")
    return ImportResult(
        total=report.total,
        created=report.created,
        updated=report.updated,
        errors=[ImportRowError(row=e.row, message=e.message) for e in report.errors],
    )


@contracts_router.get("/{contract_id}", response_model=ContractDetail)
def read_contract(session: SessionDep, principal: PrincipalDep, contract_id: Id) -> ContractDetail:
    """One contract with its history, payments and the actions I may take."""
    return contracts.get(session, principal, contract_id)


@contracts_router.patch("/{contract_id}", response_model=ContractDetail)
def update_contract(
    session: SessionDep, principal: PrincipalDep, contract_id: Id, data: ContractUpdate
) -> ContractDetail:
    """Change a contract's fields (staff in scope); status changes are actions."""
    contracts.update(session, principal, contract_id, data)
    return contracts.get(session, principal, contract_id)


@contracts_router.post("/{contract_id}/actions/{action}", response_model=ContractDetail)
def act_on_contract(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: Id,
    action: ContractAction,
    data: ContractStep | None = None,
) -> ContractDetail:
    """sign, submit, register (number, date, authority), reject (reason), resubmit, perform,
    complete or terminate."""
    contracts.act(session, principal, contract_id, action, data or ContractStep())
    return contracts.get(session, principal, contract_id)


@contracts_router.get("/{contract_id}/payments", response_model=list[PaymentRead])
def list_payments(
    session: SessionDep, principal: PrincipalDep, contract_id: Id
) -> list[PaymentRead]:
    return contracts.payments(session, principal, contract_id)


@contracts_router.post("/{contract_id}/payments", response_model=PaymentResult, status_code=201)
def add_payment(
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: Id,
    data: PaymentCreate,
    idempotent: IdempotencyDep,
) -> Any:
    """Record money received (staff); a sum above the contract value comes back as a warning."""
    return idempotent.run(
        session,
        lambda: contracts.add_payment(session, principal, contract_id, data),
        status_code=201,
    )


@contracts_router.get("/{contract_id}/attachments", response_model=list[AttachmentRead])
def list_contract_attachments(
    session: SessionDep, principal: PrincipalDep, contract_id: Id
) -> list[AttachmentRead]:
    """The contract's files and its payments' (anyone who may see the contract)."""
    return attachments.list_for(session, principal, AttachmentOwner.CONTRACT, contract_id)


@contracts_router.post(
    "/{contract_id}/attachments",
    response_model=AttachmentRead,
    status_code=201,
    dependencies=[ReadFirst],
)
def upload_contract_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: Id,
    file: UploadDep = None,
    kind: KindForm = "",
    payment_id: Annotated[str, Form(max_length=20, description="到账记录编号（可选）")] = "",
) -> AttachmentRead:
    """Upload a file to a contract, or with ``payment_id`` to one of its payments (the
    到账凭证); staff in scope. PDF, JPG, PNG, DOCX or XLSX, by content."""
    return _upload(
        request,
        session,
        principal,
        AttachmentOwner.CONTRACT,
        contract_id,
        file,
        kind,
        payment_id,
    )


@contracts_router.get(
    "/{contract_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses=FILE_RESPONSE,
)
def download_contract_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: Id,
    attachment_id: Id,
) -> FileResponse:
    """One of the contract's (or its payments') files, as a download."""
    return _download(
        request, session, principal, AttachmentOwner.CONTRACT, contract_id, attachment_id
    )


@contracts_router.delete("/{contract_id}/attachments/{attachment_id}", status_code=204)
def delete_contract_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    contract_id: Id,
    attachment_id: Id,
) -> Response:
    """Remove one of the contract's files (staff in scope); written to the audit log."""
    attachments.delete(
        session,
        principal,
        root=_settings(request).attachment_dir,
        record_kind=AttachmentOwner.CONTRACT,
        record_id=contract_id,
        attachment_id=attachment_id,
    )
    return Response(status_code=204)


# -- audit -----------------------------------------------------------------------
@audit_router.get("", response_model=Page[AuditRead])
def list_audit(
    session: SessionDep,
    principal: PrincipalDep,
    filters: Annotated[AuditFilters, Query()],
    page: PageQ = 1,
    page_size: PageSize = 50,
) -> Page[AuditRead]:
    """The audit log, newest first (administrators)."""
    return make_page(audit.list_for(session, principal, filters, page=page, size=page_size))


@audit_router.get("/export", response_class=Response, responses=XLSX_RESPONSE)
def export_audit(
    session: SessionDep, principal: PrincipalDep, filters: Annotated[AuditFilters, Query()]
) -> Response:
    """The filtered audit log as .xlsx (administrators)."""
    return xlsx(audit.export_xlsx(session, principal, filters), "操作日志.xlsx", "audit.xlsx")
