from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from matchmaking.enums import OrgStatus
from matchmaking.models.base import Base, TimestampMixin, str_enum
from matchmaking.models.town import Town


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(64), default="")
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    # The town's name for display ("" when none), read with the row; filter on town_id.
    town: Mapped[str] = column_property(
        func.coalesce(
            select(Town.name).where(Town.id == town_id).correlate_except(Town).scalar_subquery(),
            "",
        )
    )
    industry_field: Mapped[str | None] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(Text, default="")
    # pending (registered, awaiting approval by bureau staff) | active | closed.
    status: Mapped[OrgStatus] = mapped_column(str_enum(OrgStatus, 16), default=OrgStatus.ACTIVE)
    # Shown to the other side of a docking only once it is accepted.
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
