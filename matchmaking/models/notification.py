from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, utcnow


class Notification(Base):
    """An in-platform message to one user (unread until ``read_at`` is set).

    Stored as data, not text: a ``kind`` (``NotificationKind``), the ``subject`` it is
    about (type and id, e.g. ``docking`` 12), a JSON ``payload`` with what the text needs
    (names as they were at the time), and a ``link``. ``notifications.render`` turns it
    into Chinese text when it is shown.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A plain string, not an Enum column: a row of a kind this version does not know
    # (written by a newer one) must still load, and renders as a generic notice.
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
