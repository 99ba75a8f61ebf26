"""Write and read the audit log: who changed which record, when, old and new values.

Services of audited records call ``record`` in the same transaction as the change
(``snapshot`` gives a row's values as JSON). Administrators list, filter and export it.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.audit import repository
from matchmaking.common.pagination import Page
from matchmaking.common.schemas import UtcDateTime
from matchmaking.enums import AuditAction
from matchmaking.models import AuditLog, User

ENTITY_LABELS = {
    "agreement": "合作协议",
    "contract": "技术合同",
    "payment": "到账记录",
    "attachment": "附件",
    "kpi_target": "考核目标",
    "monthly_report": "月度通报",
    "contest_rules": "季度竞赛规则",
    "contest_bonus": "季度竞赛加分项",
}
EXPORT_LIMIT = 50_000


def json_value(value: Any) -> Any:
    """A column value as JSON: Decimal and dates as text, enums as their codes."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(row: Any, skip: tuple[str, ...] = ("created_at", "updated_at")) -> dict[str, Any]:
    """The row's column values, as JSON (Decimal and dates as text, enums as codes)."""
    return {
        c.key: json_value(getattr(row, c.key)) for c in row.__table__.columns if c.key not in skip
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed: (old, new)."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    p: Principal,
    entity_kind: str,
    entity_id: int,
    action: AuditAction,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry (the only way anything is written to the log)."""
    return repository.append(
        session,
        actor_user_id=p.user_id,
        entity_kind=entity_kind,
        entity_id=entity_id,
        action=action,
        old_values=old,
        new_values=new,
    )


class AuditFilters(BaseModel):
    entity_kind: str | None = Field(
        default=None, max_length=32, description="agreement | contract | payment | attachment"
    )
    entity_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    actor_user_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    action: AuditAction | None = None
    date_from: date | None = Field(default=None, description="起始日期（含）")
    date_to: date | None = Field(default=None, description="截止日期（含）")


class AuditRead(BaseModel):
    id: int
    at: UtcDateTime
    actor_user_id: int | None
    actor_name: str
    entity_kind: str
    entity_label: str
    entity_id: int
    action: AuditAction
    action_label: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None


def _where(f: AuditFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.entity_kind:
        where.append(AuditLog.entity_kind == f.entity_kind)
    if f.entity_id is not None:
        where.append(AuditLog.entity_id == f.entity_id)
    if f.actor_user_id is not None:
        where.append(AuditLog.actor_user_id == f.actor_user_id)
    if f.action is not None:
        where.append(AuditLog.action == f.action)
    if f.date_from is not None:
        where.append(AuditLog.at >= clock.day_bounds(f.date_from)[0])
    if f.date_to is not None:
        where.append(AuditLog.at < clock.day_bounds(f.date_to)[1])
    return where


def _reads(session: Session, rows: list[AuditLog]) -> list[AuditRead]:
    ids = {r.actor_user_id for r in rows if r.actor_user_id is not None}
    users = {u.id: u for u in session.query(User).filter(User.id.in_(ids))} if ids else {}
    out = []
    for r in rows:
        user = users.get(r.actor_user_id) if r.actor_user_id is not None else None
        out.append(
            AuditRead(
                id=r.id,
                at=r.at,
                actor_user_id=r.actor_user_id,
                actor_name=(user.display_name or user.username) if user else "系统",
                entity_kind=r.entity_kind,
                entity_label=ENTITY_LABELS.get(r.entity_kind, r.entity_kind),
                entity_id=r.entity_id,
                action=r.action,
                action_label=r.action.label,
                old_values=r.old_values,
                new_values=r.new_values,
            )
        )
    return out


def list_for(
    session: Session, p: Principal, filters: AuditFilters, *, page: int = 1, size: int = 50
) -> Page[AuditRead]:
    """The log, newest first: administrators only."""
    permissions.require_admin(p)
    found = repository.page(session, _where(filters), page=page, size=size)
    return found.map(lambda rows: _reads(session, list(rows)))


def export_xlsx(session: Session, p: Principal, filters: AuditFilters) -> bytes:
    """The filtered log as an Excel sheet (newest first, at most ``EXPORT_LIMIT`` rows)."""
    permissions.require_admin(p)
    rows = _reads(session, repository.all_matching(session, _where(filters), EXPORT_LIMIT))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "操作日志"
    ws.append(["编号", "时间", "操作人", "对象", "对象编号", "操作", "修改前", "修改后"])
    for r in rows:
        ws.append(
            [
                r.id,
                clock.to_local(r.at).strftime("%Y-%m-%d %H:%M:%S"),
                r.actor_name,
                r.entity_label,
                r.entity_id,
                r.action_label,
                _describe(r.old_values),
                _describe(r.new_values),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _describe(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return "；".join(f"{k}={'' if v is None else v}" for k, v in values.items())
