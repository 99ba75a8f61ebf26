"""Notifications: what happened that a user should see, newest first."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matchmaking.common.pagination import Page, paginate
from matchmaking.models import Notification
from matchmaking.models.base import utcnow


def notify(session: Session, user_id: int, text: str, link: str = "") -> None:
    session.add(Notification(user_id=user_id, text=text[:500], link=link[:200]))


def unread_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return session.scalar(stmt) or 0


def list_page(
    session: Session, user_id: int, *, page: int = 1, page_size: int = 20
) -> Page[Notification]:
    """This user's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    return paginate(session, stmt.order_by(Notification.id.desc()), page, page_size)


def mark_read_for_link(session: Session, user_id: int, link: str) -> int:
    """Opening a page marks this user's unread notifications that point to it read."""
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.link == link
    )
    result = session.execute(stmt.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) notification of this user read; returns how many."""
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    result = session.execute(stmt.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def get(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """One notification of this user (None for another user's)."""
    stmt = select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id
    )
    return session.scalars(stmt).one_or_none()
