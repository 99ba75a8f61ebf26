"""JSON API: cooperation agreements, technology contracts and payments, and the audit log.

The same services as the pages: staff create and edit (town staff: their town);
enterprises and universities read the records they are a party to; the audit log is
for administrators.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from matchmaking.accounts.permissions import require_staff
from matchmaking.audit import service as audit
from matchmaking.audit.service import AuditFilters, AuditRead
from matchmaking.common.schemas import Page, make_page
from matchmaking.enums import ContractAction
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
from web.downloads import XLSX, xlsx
from web.params import Id

agreements_router = APIRouter(prefix="/agreements", tags=["agreements 合作协议"])
contracts_router = APIRouter(prefix="/contracts", tags=["contracts 技术合同"])
audit_router = APIRouter(prefix="/audit", tags=["audit 操作日志"])


XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Excel 工作簿（.xlsx）", "content": {XLSX: {}}}
}


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
