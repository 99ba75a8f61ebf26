"""Every query of the towns concept."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from matchmaking.models import Town


def get(session: Session, town_id: int) -> Town | None:
    return session.get(Town, town_id)


def by_name(session: Session, name: str) -> Town | None:
    return session.scalars(select(Town).where(Town.name == name)).one_or_none()


def by_code(session: Session, code: str) -> Town | None:
    return session.scalars(select(Town).where(Town.code == code)).one_or_none()


def ordered(session: Session, *, active_only: bool = False) -> list[Town]:
    stmt = select(Town).order_by(Town.position, Town.id)
    if active_only:
        stmt = stmt.where(Town.is_active.is_(True))
    return list(session.scalars(stmt))


def last_position(session: Session) -> int:
    return session.scalar(select(func.max(Town.position))) or 0


def named(town_column: InstrumentedAttribute[int | None], name: str) -> ColumnElement[bool]:
    """Rows whose town is called ``name`` (a user's filter, by name as in the menus)."""
    return town_column.in_(select(Town.id).where(Town.name == name))
