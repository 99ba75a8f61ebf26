"""Notifications: what happened that a user should see, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matchmaking import jobs
from matchmaking.common.pagination import Page, paginate
from matchmaking.enums import NotificationKind
from matchmaking.models import Notification
from matchmaking.models.base import utcnow
from matchmaking.notifications.render import render
from matchmaking.notifications.schemas import NotificationRead


def notify(
    session: Session,
    user_ids: Iterable[int],
    kind: NotificationKind,
    payload: Mapping[str, Any],
    *,
    subject: tuple[str, int],
    link: str = "",
    skip: int | None = None,
) -> None:
    """Tell each user (once; never ``skip``, the one who acted) that ``subject`` had news."""
    subject_type, subject_id = subject
    for user_id in dict.fromkeys(user_ids):
        if user_id == skip:
            continue
        # Emails and robot posts of this notification: planned and sent by a worker
        # after the commit (matchmaking.outbound), never by this process.
        jobs.enqueue(session, "outbound.instant")
        session.add(
            Notification(
                user_id=user_id,
                kind=kind.value,
                subject_type=subject_type,
                subject_id=subject_id,
                payload=dict(payload),
                link=link[:200],
            )
        )


def read_model(row: Notification) -> NotificationRead:
    """A notification as pages show it, its text rendered now."""
    return NotificationRead(
        id=row.id,
        kind=row.kind,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        text=render(row.kind, row.payload),
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
    )


def unread_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return session.scalar(stmt) or 0


def list_page(
    session: Session, user_id: int, *, page: int = 1, page_size: int = 20
) -> Page[NotificationRead]:
    """One page of this user's notifications, newest first, with their text."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    found = paginate(session, stmt.order_by(Notification.id.desc()), page, page_size)
    return found.map(lambda rows: [read_model(n) for n in rows])


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
