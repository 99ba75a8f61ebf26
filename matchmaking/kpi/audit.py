"""Audit rows for targets and reports (the append-only ``audit_log``).

A small writer of our own: the outcome records' helper (``audit.repository.append``) is
being built on another branch; both write the same rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from matchmaking.enums import AuditAction
from matchmaking.models import AuditLog


def append(
    session: Session,
    *,
    actor_user_id: int | None,
    entity_kind: str,
    entity_id: int,
    action: AuditAction,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    session.add(
        AuditLog(
            actor_user_id=actor_user_id,
            entity_kind=entity_kind,
            entity_id=entity_id,
            action=action,
            old_values=old,
            new_values=new,
        )
    )
    session.flush()
