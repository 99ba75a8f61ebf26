from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, exists, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from matchmaking.enums import OrgStatus, Role
from matchmaking.models.base import Base, TimestampMixin, str_enum
from matchmaking.models.organization import Organization
from matchmaking.models.town import Town


class User(TimestampMixin, Base):
    """A person who logs in: belongs to an organization (and, for an expert, to a profile)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    # argon2id, encoded with its parameters (argon2-cffi).
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    # Bureau staff: NULL = the whole district, else the one town (区镇) they cover.
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))
    # The town's name for display ("" = the whole district).
    town: Mapped[str] = column_property(
        func.coalesce(
            select(Town.name).where(Town.id == town_id).correlate_except(Town).scalar_subquery(),
            "",
        )
    )
    # Whether the user's organization still awaits approval (no uploads until then),
    # loaded with the user, so a request costs no query of its own for it.
    org_pending: Mapped[bool] = column_property(
        exists()
        .where(Organization.id == org_id, Organization.status == OrgStatus.PENDING)
        .correlate_except(Organization)
    )
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Signed into every session cookie at login; bumping it (logout, password change)
    # ends every session of this user, copies of the cookie included.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
