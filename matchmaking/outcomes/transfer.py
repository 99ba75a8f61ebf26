"""Excel import and export of technology contracts, in the registration form's column order.

The columns follow 技术合同登记表 (JJ-001) so that staff can reconcile each month with
the national registration system's export. The import reuses the import kit: the
sheet is read by ``importing.tables.read_sheet`` (size limits, zip-bomb check), each
row is written in its own savepoint, and a bad row is reported by number and reason
while the good rows are kept (``importing.service.RowError`` / ``ImportReport``). A
registration number already on file updates that contract, never duplicates it; a
row without one is matched by name, parties and signing date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal, require_staff
from matchmaking.common.validation import validation_details
from matchmaking.enums import (
    AuditAction,
    ContractStatus,
    ContractSubtype,
    ContractType,
    IpType,
    LabelledEnum,
    PartyNature,
    TechField,
)
from matchmaking.exceptions import InvalidInput, MatchmakingError
from matchmaking.importing import tables
from matchmaking.importing.service import FIRST_DATA_ROW, ImportReport, RowError
from matchmaking.importing.template import append_row, workbook_bytes
from matchmaking.models import TechContract
from matchmaking.outcomes import contracts, repository
from matchmaking.outcomes.schemas import ContractCreate, wan_text
from matchmaking.towns import service as towns

KIND = "contracts"
SHEET_TITLE = "技术合同登记表"


@dataclass(frozen=True)
class ContractColumn:
    field: str
    heading: str
    enum: type[LabelledEnum] | None = None
    required: bool = False


# 技术合同登记表 (JJ-001) order; then what the platform adds (town, status, note).
COLUMNS: tuple[ContractColumn, ...] = (
    ContractColumn("registration_no", "合同登记编号"),
    ContractColumn("name", "项目名称", required=True),
    ContractColumn("valid_from", "合同有效期起"),
    ContractColumn("valid_to", "合同有效期止"),
    ContractColumn("signed_on", "签订日期", required=True),
    ContractColumn("buyer_name", "买方名称", required=True),
    ContractColumn("buyer_region", "买方行政区划代码"),
    ContractColumn("buyer_nature", "买方性质", PartyNature, required=True),
    ContractColumn("seller_name", "卖方名称", required=True),
    ContractColumn("seller_region", "卖方行政区划代码"),
    ContractColumn("seller_nature", "卖方性质", PartyNature, required=True),
    ContractColumn("contract_type", "合同类型", ContractType, required=True),
    ContractColumn("contract_subtype", "合同子类", ContractSubtype, required=True),
    ContractColumn("amount_wan", "合同成交额（万元）", required=True),
    ContractColumn("tech_amount_wan", "技术交易额（万元）"),
    ContractColumn("tech_field", "技术领域", TechField, required=True),
    ContractColumn("ip_type", "知识产权类型", IpType),
    ContractColumn("authority", "登记机构"),
    ContractColumn("registered_on", "登记日期"),
    ContractColumn("town", "所属区镇"),
    ContractColumn("status", "状态", ContractStatus),
    ContractColumn("note", "备注"),
)
HEADINGS = {c.heading: c for c in COLUMNS}
# Other headings people use for the same columns (the national system's export, older forms).
ALIASES = {
    "登记编号": "registration_no",
    "合同编号": "registration_no",
    "合同名称": "name",
    "有效期起": "valid_from",
    "有效期止": "valid_to",
    "合同成交额": "amount_wan",
    "成交额": "amount_wan",
    "成交额（万元）": "amount_wan",
    "技术交易额": "tech_amount_wan",
    "区镇": "town",
    "镇区": "town",
}


def _field_of(heading: str) -> str | None:
    text = heading.strip().lstrip("\ufeff")
    for mark in tables.REQUIRED_MARKS:
        text = text.removesuffix(mark).strip()
    text = text.replace("(", "（").replace(")", "）")
    if text in HEADINGS:
        return HEADINGS[text].field
    return ALIASES.get(text)


def _rows(data: bytes, filename: str) -> tuple[list[dict[str, str]], int]:
    sheet = tables.read_sheet(data, filename, KIND)
    fields = [_field_of(h) for h in sheet.headers]
    missing = [c.heading for c in COLUMNS if c.required and c.field not in fields]
    if missing:
        raise InvalidInput(
            "表头缺少这些列：" + "、".join(missing) + "；请使用导出的登记表格式（第一行为表头）"
        )
    # ``sheet.rows`` are keyed by the kit's normalised names: map back by position.
    kit_keys = [tables.normalise_header(h, KIND) for h in sheet.headers]
    out = []
    for raw in sheet.rows:
        row: dict[str, str] = {}
        for key, field in zip(kit_keys, fields, strict=True):
            if field and key in raw and field not in row:
                row[field] = raw[key]
        out.append(row)
    return out, sheet.first_row


def _parse(row: dict[str, str], session: Session) -> tuple[dict[str, Any], ContractStatus | None]:
    values: dict[str, Any] = {}
    for col in COLUMNS:
        text = row.get(col.field, "").strip()
        if col.field in ("town", "status"):
            continue
        if not text:
            continue
        if col.enum is not None:
            values[col.field] = col.enum.parse(text)
        else:
            values[col.field] = text
    town = row.get("town", "").strip()
    if town:
        values["town_id"] = towns.resolve(session, town, field="town")
    status_text = row.get("status", "").strip()
    status = ContractStatus.parse(status_text) if status_text else None
    values["origin"] = "direct"
    return values, status


def _natural_match(session: Session, data: ContractCreate) -> TechContract | None:
    stmt = select(TechContract).where(
        TechContract.name == data.name,
        TechContract.seller_name == data.seller_name,
        TechContract.buyer_name == data.buyer_name,
        TechContract.signed_on == data.signed_on,
    )
    return session.scalars(stmt.limit(1)).first()


def import_rows(
    session: Session,
    p: Principal,
    rows: Sequence[dict[str, str]],
    *,
    first_row: int = FIRST_DATA_ROW,
) -> ImportReport:
    """Import rows, each in its own savepoint; bad rows are reported, good rows kept."""
    require_staff(p)
    report = ImportReport(kind=KIND)
    for offset, row in enumerate(rows):
        if not any(v.strip() for v in row.values()):
            continue
        number = offset + first_row
        report.total += 1
        savepoint = session.begin_nested()
        try:
            values, status = _parse(row, session)
            data = ContractCreate.model_validate(values)
            existing = (
                repository.contract_by_registration_no(session, data.registration_no)
                if data.registration_no
                else _natural_match(session, data)
            )
            if existing is None:
                contracts.create(session, p, data, action=AuditAction.IMPORT, status=status)
                report.created += 1
            else:
                contracts.update(session, p, existing.id, data, action=AuditAction.IMPORT)
                report.updated += 1
            savepoint.commit()
        except ValidationError as exc:
            savepoint.rollback()
            detail = "；".join(
                _labelled(d["field"], d["message"]) for d in validation_details(exc.errors())
            )
            report.errors.append(RowError(number, detail, dict(row)))
        except (MatchmakingError, ValueError) as exc:
            savepoint.rollback()
            message = getattr(exc, "message", str(exc))
            field = getattr(exc, "field", None)
            report.errors.append(RowError(number, _labelled(field, message), dict(row)))
    return report


def _labelled(field: str | None, message: str) -> str:
    """Name the column as the sheet does ("签订日期：…")."""
    col = next((c for c in COLUMNS if c.field == field), None)
    if col is None or message.startswith(col.heading):
        return message
    if "：" in message and not message.startswith(("请", "“")):
        message = message.split("：", 1)[1]
    return f"{col.heading}：{message}"


def import_file(session: Session, p: Principal, data: bytes, filename: str) -> ImportReport:
    require_staff(p)
    rows, first_row = _rows(data, filename)
    return import_rows(session, p, rows, first_row=first_row)


# -- export ----------------------------------------------------------------------
def _cell(c: TechContract, field: str, town_names: dict[int, str]) -> object:
    if field == "town":
        return town_names.get(c.town_id, "") if c.town_id else ""
    value = getattr(c, field)
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, Decimal):
        return float(wan_text(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return "" if value is None else value


def workbook(session: Session, rows: Sequence[TechContract]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = SHEET_TITLE
    ws.append([c.heading + ("*" if c.required else "") for c in COLUMNS])
    names = repository.town_names(session)
    for row in rows:
        append_row(ws, [_cell(row, c.field, names) for c in COLUMNS])
    for index in range(1, len(COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 16
    return workbook_bytes(wb)


def export(session: Session, p: Principal, filters: contracts.ContractFilters) -> bytes:
    """The contracts ``p`` may see that the filters select, as the registration sheet."""
    return workbook(session, contracts.matching(session, p, filters))


def export_filename() -> str:
    return f"技术合同登记表_{clock.local_today().isoformat()}.xlsx"
