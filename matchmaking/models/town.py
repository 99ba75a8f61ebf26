from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, TimestampMixin


class Town(TimestampMixin, Base):
    """One of the district's 区镇/街道/园区: organizations and staff scope refer to it."""

    __tablename__ = "towns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A short stable identifier (pinyin), kept when the name changes.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Menus list towns by position, then id.
    position: Mapped[int] = mapped_column(Integer, default=0)
    # An inactive town stays on its organizations but is no longer offered in menus.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
