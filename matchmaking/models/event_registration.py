"""Who takes part in an event (an organization or an expert), and whom they wish to meet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import RegistrationStatus, WishLevel
from matchmaking.models.base import Base, TimestampMixin, str_enum


class Registration(TimestampMixin, Base):
    """One participant of an event: invited, registered or cancelled.

    ``participant`` is ``org:<id>`` or ``expert:<id>``: one row per participant and event
    (a unique key that also holds where NULLs would not).
    """

    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "participant", name="uq_event_registrations"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    participant: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    # enterprise | university | institute | expert (the scheduler's side).
    side: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, 16), default=RegistrationStatus.REGISTERED, index=True
    )
    invited: Mapped[bool] = mapped_column(Boolean, default=False)
    # The invitation's match: score and shared terms when it was proposed.
    invite_score: Mapped[float | None] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    need_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    achievement_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    unavailable_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    min_meetings: Mapped[int] = mapped_column(Integer, default=0)
    max_meetings: Mapped[int] = mapped_column(Integer, default=6)
    # The secret in the check-in QR code's URL.
    checkin_token: Mapped[str] = mapped_column(String(43), unique=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Wish(TimestampMixin, Base):
    """必见 / 想见 / 不见: one participant's wish about meeting another."""

    __tablename__ = "event_wishes"
    __table_args__ = (UniqueConstraint("from_id", "to_id", name="uq_event_wishes_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id"))
    level: Mapped[WishLevel] = mapped_column(str_enum(WishLevel, 8))
