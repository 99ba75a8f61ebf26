"""Mark a recommended item "not relevant" to a need (with a reason), undo it, and read it back.

An item so marked is no longer recommended to that need
(``matching.service.recommend`` excludes ``excluded_ids``), on the pages and the
JSON API alike. Only who may edit the need may mark or undo.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.enums import FeedbackReason, Kind
from matchmaking.exceptions import InvalidInput, NotFound
from matchmaking.feedback import repository
from matchmaking.feedback.schemas import FeedbackEntry, FeedbackRead
from matchmaking.models import Feedback, Need
from matchmaking.needs.service import service as needs

TARGET_KINDS = (Kind.ACHIEVEMENTS.value, Kind.EXPERTS.value)
TARGET_NOUNS = {"achievements": "科技成果", "experts": "专家"}


def _editable_need(session: Session, p: Principal, need_id: int) -> Need:
    need = needs.get(session, need_id)
    permissions.ensure_can_edit(p, Kind.NEEDS, need)
    return need


def _target_kind(target_kind: str) -> str:
    kind = str(target_kind)
    if kind not in TARGET_KINDS:
        raise InvalidInput("推荐对象应为 achievements 或 experts", field="target_kind")
    return kind


def _reason(reason: str) -> FeedbackReason:
    try:
        return FeedbackReason.parse(str(reason))
    except ValueError as exc:
        raise InvalidInput(f"原因：{exc}", field="reason") from exc


def mark_not_relevant(
    session: Session,
    p: Principal,
    need_id: int,
    target_kind: str,
    target_id: int,
    reason: str,
) -> FeedbackRead:
    """Mark an item not relevant to the need; marking it again only changes the reason."""
    need = _editable_need(session, p, need_id)
    kind = _target_kind(target_kind)
    code = _reason(reason)
    if not repository.targets(session, kind, [target_id]):
        raise NotFound(f"{TARGET_NOUNS[kind]} {target_id} 不存在", field="target_id")
    row = repository.get(session, need.id, kind, target_id)
    if row is None:
        row = repository.add(
            session,
            Feedback(
                need_id=need.id,
                target_kind=kind,
                target_id=target_id,
                user_id=p.user_id,
                reason=code,
            ),
        )
    else:
        row.reason = code
        row.user_id = p.user_id
        session.flush()
    return FeedbackRead.model_validate(row)


def undo(session: Session, p: Principal, need_id: int, target_kind: str, target_id: int) -> bool:
    """Recommend the item to the need again; False when it was not marked."""
    need = _editable_need(session, p, need_id)
    row = repository.get(session, need.id, _target_kind(target_kind), target_id)
    if row is None:
        return False
    repository.delete(session, row)
    return True


def excluded_ids(session: Session, need_id: int, target_kind: str) -> frozenset[int]:
    """Ids of the items of ``target_kind`` marked not relevant to the need."""
    return repository.target_ids(session, need_id, str(target_kind))


def list_for_need(session: Session, p: Principal, need_id: int) -> list[FeedbackEntry]:
    """The need's "not relevant" marks with their items, newest first (for its editors)."""
    need = _editable_need(session, p, need_id)
    rows = repository.of_need(session, need.id)
    found: dict[str, dict[int, object]] = {
        kind: repository.targets(
            session, kind, [r.target_id for r in rows if r.target_kind == kind]
        )
        for kind in TARGET_KINDS
    }
    return [
        FeedbackEntry(
            feedback=FeedbackRead.model_validate(r),
            target=found.get(r.target_kind, {}).get(r.target_id),
        )
        for r in rows
    ]
