from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaking.enums import DockingStatus, Origin
from matchmaking.models.base import Base, TimestampMixin, str_enum, utcnow
from matchmaking.models.need import Need


class Docking(TimestampMixin, Base):
    """对接: one need paired with one achievement or expert, from request to agreement.

    Either side may start it: an enterprise from its need, a university from its
    achievement (or an expert from a need that fits them). ``requester_org_id`` and
    ``responder_org_id`` say who asked and who answers.
    """

    __tablename__ = "dockings"
    __table_args__ = (
        UniqueConstraint("need_id", "target_kind", "target_id", name="uq_dockings_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # achievements | experts
    target_id: Mapped[int] = mapped_column(Integer)
    requester_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    responder_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[DockingStatus] = mapped_column(
        str_enum(DockingStatus, 16), default=DockingStatus.REQUESTED, index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # The fused score when it was requested: which recommendation led to it.
    score: Mapped[float | None] = mapped_column()
    # What led to it: a recommendation list, a search, an event, a visit, or direct.
    # Dockings from before migration 0007 are "unknown" (not guessed).
    origin: Mapped[Origin] = mapped_column(
        str_enum(Origin, 16), default=Origin.UNKNOWN, server_default="unknown", index=True
    )

    need: Mapped[Need] = relationship(lazy="raise")


class DockingEvent(Base):
    """Who did what to a docking, and when (the board's history)."""

    __tablename__ = "docking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    docking_id: Mapped[int] = mapped_column(ForeignKey("dockings.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
