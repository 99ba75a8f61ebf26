from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import FeedbackReason
from matchmaking.models.base import Base, str_enum, utcnow


class Feedback(Base):
    """A company marked a recommended item "not relevant" to its need, with a reason.

    Such an item is no longer recommended to that need.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("need_id", "target_kind", "target_id", name="uq_feedback_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[FeedbackReason] = mapped_column(str_enum(FeedbackReason, 32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
