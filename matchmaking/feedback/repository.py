"""Every query on the feedback table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from matchmaking.models import Achievement, Expert, Feedback

TARGET_MODELS: dict[str, type[Any]] = {"achievements": Achievement, "experts": Expert}


def get(session: Session, need_id: int, target_kind: str, target_id: int) -> Feedback | None:
    stmt = select(Feedback).where(
        Feedback.need_id == need_id,
        Feedback.target_kind == target_kind,
        Feedback.target_id == target_id,
    )
    return session.scalars(stmt).one_or_none()


# Asked on every recommendation of a need: built once (building it cost as much as running it).
_TARGET_IDS = select(Feedback.target_id).where(
    Feedback.need_id == bindparam("need_id"), Feedback.target_kind == bindparam("target_kind")
)


def target_ids(session: Session, need_id: int, target_kind: str) -> frozenset[int]:
    return frozenset(session.scalars(_TARGET_IDS, {"need_id": need_id, "target_kind": target_kind}))


def of_need(session: Session, need_id: int) -> list[Feedback]:
    stmt = (
        select(Feedback)
        .where(Feedback.need_id == need_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
    return list(session.scalars(stmt))


def targets(session: Session, target_kind: str, ids: Sequence[int]) -> dict[int, Any]:
    """The achievements or experts with these ids (with their organization), by id."""
    if not ids:
        return {}
    model = TARGET_MODELS[target_kind]
    stmt = select(model).where(model.id.in_(list(ids))).options(selectinload(model.org))
    return {row.id: row for row in session.scalars(stmt)}


def add(session: Session, feedback: Feedback) -> Feedback:
    session.add(feedback)
    session.flush()
    return feedback


def delete(session: Session, feedback: Feedback) -> None:
    session.delete(feedback)
    session.flush()
