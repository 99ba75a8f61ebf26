"""Every query of the accounts concept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Scope
from matchmaking.models import ApiToken, LoginAttempt, Notification, User


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def with_unread_count(session: Session, user_id: int) -> tuple[User, int] | None:
    """The user and how many of their notifications are unread, in one round trip."""
    unread = (
        select(func.count())
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    row = session.execute(select(User, unread).where(User.id == user_id)).one_or_none()
    return None if row is None else (row[0], int(row[1] or 0))


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def users_of_org(session: Session, org_id: int) -> list[User]:
    stmt = select(User).where(User.org_id == org_id, User.is_active.is_(True)).order_by(User.id)
    return list(session.scalars(stmt))


def users_of_expert(session: Session, expert_id: int) -> list[User]:
    stmt = select(User).where(User.expert_id == expert_id, User.is_active.is_(True))
    return list(session.scalars(stmt))


def staff_for_town(session: Session, town_id: int | None) -> list[User]:
    """Staff who cover this town: district-wide staff and the town's own."""
    stmt = select(User).where(
        User.role == "staff", User.is_active.is_(True), Scope.staff_covering(town_id)
    )
    return list(session.scalars(stmt))


def failures_since(
    session: Session, *, since: datetime, username: str | None, ip: str | None
) -> int:
    stmt = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    )
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if ip is not None:
        stmt = stmt.where(LoginAttempt.ip == ip)
    return session.scalar(stmt) or 0


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    return session.scalars(stmt).one_or_none()


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def revoke_tokens_of(session: Session, user_id: int, *, at: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session="fetch")
    )


def touch_token(session: Session, token_id: int, *, now: datetime, unless_since: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < unless_since),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
