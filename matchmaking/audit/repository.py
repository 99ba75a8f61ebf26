"""Every query of the audit log. There is ``append`` and there are reads: no update, no delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import AuditAction
from matchmaking.models import AuditLog


def append(
    session: Session,
    *,
    actor_user_id: int | None,
    entity_kind: str,
    entity_id: int,
    action: AuditAction,
    old_values: dict[str, Any] | None,
    new_values: dict[str, Any] | None,
    at: datetime | None = None,
) -> AuditLog:
    row = AuditLog(
        actor_user_id=actor_user_id,
        entity_kind=entity_kind,
        entity_id=entity_id,
        action=action,
        old_values=old_values,
        new_values=new_values,
    )
    if at is not None:
        row.at = at
    session.add(row)
    session.flush()
    return row


def page(
    session: Session, where: Sequence[ColumnElement[bool]], *, page: int, size: int
) -> Page[AuditLog]:
    stmt = select(AuditLog).where(*where).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    return paginate(session, stmt, page, size)


def all_matching(
    session: Session, where: Sequence[ColumnElement[bool]], limit: int
) -> list[AuditLog]:
    stmt = select(AuditLog).where(*where).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def of_entity(session: Session, entity_kind: str, entity_id: int) -> list[AuditLog]:
    stmt = (
        select(AuditLog)
        .where(AuditLog.entity_kind == entity_kind, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.at, AuditLog.id)
    )
    return list(session.scalars(stmt))
