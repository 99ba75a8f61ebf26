"""Every query of attachments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from matchmaking.enums import AttachmentOwner
from matchmaking.models import Attachment, User


def of_owners(session: Session, owners: Sequence[tuple[AttachmentOwner, int]]) -> list[Attachment]:
    """The attachments of these owners, oldest first."""
    if not owners:
        return []
    clause = or_(*(and_(Attachment.owner_kind == k, Attachment.owner_id == i) for k, i in owners))
    stmt = select(Attachment).where(clause).order_by(Attachment.uploaded_at, Attachment.id)
    return list(session.scalars(stmt))


def get(session: Session, attachment_id: int) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def user_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = select(User.id, User.display_name, User.username).where(User.id.in_(wanted))
    return {uid: display or username for uid, display, username in session.execute(stmt)}
