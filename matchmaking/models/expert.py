from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaking.enums import ItemStatus
from matchmaking.models.base import Base, MatchableMixin, str_enum
from matchmaking.models.organization import Organization


class Expert(MatchableMixin, Base):
    """专家: a person whose expertise can solve needs and who joins clinic visits."""

    __tablename__ = "experts"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_experts_org_name"),)

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64), default="")
    # Industry field codes separated by ";" (an expert often spans two fields).
    fields: Mapped[str] = mapped_column(String(200), default="")
    expertise: Mapped[str] = mapped_column(Text)
    availability: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus, 16), default=ItemStatus.ACTIVE)

    org: Mapped[Organization] = relationship(lazy="raise")
