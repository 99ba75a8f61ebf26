"""Importing needs, achievements and experts from CSV or Excel.

Each row is validated and written in its own savepoint: a bad row is reported
with its row number (as Excel shows it) and reason, and the good rows are kept.
Re-importing the same file updates rows instead of duplicating them (matched by
external id, else by organization + title/name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from matchmaking.achievements.schemas import AchievementCreate, AchievementUpdate
from matchmaking.common.validation import FIELD_LABELS, validation_details
from matchmaking.enums import (
    CooperationMode,
    IndustryField,
    Kind,
    LabelledEnum,
    Maturity,
    NeedStatus,
)
from matchmaking.exceptions import InvalidInput, MatchmakingError
from matchmaking.experts.schemas import ExpertCreate, ExpertUpdate
from matchmaking.matching.kinds import SERVICES
from matchmaking.needs.schemas import NeedCreate, NeedUpdate
from matchmaking.organizations import repository as orgs

SCHEMAS: dict[Kind, tuple[type[BaseModel], type[BaseModel]]] = {
    Kind.NEEDS: (NeedCreate, NeedUpdate),
    Kind.ACHIEVEMENTS: (AchievementCreate, AchievementUpdate),
    Kind.EXPERTS: (ExpertCreate, ExpertUpdate),
}
ENUM_COLUMNS = {
    "industry_field": IndustryField,
    "cooperation_mode": CooperationMode,
    "maturity": Maturity,
}
FIRST_DATA_ROW = 2  # row 1 is the header, as Excel numbers them


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.created + self.updated


OrgResolver = Callable[[Session, dict[str, str]], int]


def org_by_name(session: Session, row: dict[str, str]) -> int:
    name = row.get("organization", "").strip()
    if not name:
        raise InvalidInput("缺少“单位”列或该行单位为空", field="organization")
    org = orgs.get_by_name(session, name)
    if org is None:
        raise InvalidInput(f"单位“{name}”尚未登记，请先登记单位", field="organization")
    return org.id


def _parse(key: str, enum: type[LabelledEnum], value: str) -> str:
    try:
        return enum.parse(value).value
    except ValueError as exc:
        raise InvalidInput(f"{FIELD_LABELS.get(key, key)}：{exc}", field=key) from exc


def _prepare(kind: Kind, row: dict[str, str], org_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("organization", "org_key") or value == "":
            continue
        if key in ENUM_COLUMNS:
            data[key] = _parse(key, ENUM_COLUMNS[key], value)
        elif key == "fields" and kind is Kind.EXPERTS:
            parts = [v for v in value.replace("；", ";").split(";") if v.strip()]
            data[key] = [_parse(key, IndustryField, v) for v in parts]
        elif key == "status" and kind is Kind.NEEDS:
            data[key] = _parse(key, NeedStatus, value)
        else:
            data[key] = value
    data["org_id"] = org_id
    return data


def import_rows(
    session: Session,
    kind: Kind,
    rows: Iterable[dict[str, str]],
    *,
    resolve_org: OrgResolver = org_by_name,
) -> ImportReport:
    service = SERVICES[kind]
    create_schema, update_schema = SCHEMAS[kind]
    report = ImportReport(kind=kind.value)
    for offset, row in enumerate(rows):
        number = offset + FIRST_DATA_ROW
        report.total += 1
        savepoint = session.begin_nested()
        try:
            org_id = resolve_org(session, row)
            data = _prepare(kind, row, org_id)
            status = data.pop("status", None)
            key = data.get(service.natural_key, "")
            existing = service.find_by_key(session, org_id, key, data.get("external_id"))
            if existing is None:
                item = service.create(session, create_schema.model_validate(data))
                report.created += 1
            else:
                item = service.update(session, existing.id, update_schema.model_validate(data))
                report.updated += 1
            if status and status != item.status:
                service.close(session, item.id, status=status)
            savepoint.commit()
        except ValidationError as exc:
            savepoint.rollback()
            detail = "；".join(d["message"] for d in validation_details(exc.errors()))
            report.errors.append(RowError(number, detail))
        except (MatchmakingError, ValueError) as exc:
            savepoint.rollback()
            report.errors.append(RowError(number, getattr(exc, "message", str(exc))))
    return report
