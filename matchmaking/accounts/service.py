"""Registration, login (rate limited), users, API tokens, organization approval."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from matchmaking.accounts import passwords, repository
from matchmaking.accounts.permissions import Principal, ensure_can_manage_org, require_staff
from matchmaking.accounts.schemas import Registration, UserCreate
from matchmaking.config import Settings
from matchmaking.enums import NotificationKind, OrgKind, OrgStatus, Role
from matchmaking.exceptions import Conflict, InvalidInput, NotFound, TooManyAttempts
from matchmaking.models import ApiToken, Expert, LoginAttempt, Organization, User
from matchmaking.models.base import utcnow
from matchmaking.notifications.service import notify
from matchmaking.organizations import repository as org_repository
from matchmaking.organizations import service as org_service
from matchmaking.organizations.schemas import OrganizationUpdate
from matchmaking.towns import service as towns

TOKEN_PREFIX = "mm_"
ROLE_FOR_ORG = {
    OrgKind.ENTERPRISE.value: Role.ENTERPRISE,
    OrgKind.UNIVERSITY.value: Role.UNIVERSITY,
    OrgKind.INSTITUTE.value: Role.UNIVERSITY,
}


def principal_for(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        role=user.role,
        org_id=user.org_id,
        expert_id=user.expert_id,
        town_id=user.town_id,
        town=user.town,
        name=user.display_name or user.username,
        org_pending=user.org_pending,
    )


def get_user(session: Session, user_id: int) -> User:
    user = repository.get(session, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def session_user(session: Session, user_id: int) -> tuple[User, int] | None:
    """The user of a session and their unread notifications (for the page header), in one
    query; None when the user no longer exists or was deactivated."""
    found = repository.with_unread_count(session, user_id)
    if found is None or not found[0].is_active:
        return None
    return found


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """This user's API tokens (revoked ones too), for the account page."""
    return repository.tokens_of(session, user_id)


def _check_username_free(session: Session, username: str) -> None:
    if repository.by_username(session, username) is not None:
        raise Conflict(f"登录名“{username}”已被使用，请换一个", field="username")


def register(session: Session, data: Registration) -> User:
    """A new organization (pending until staff approve it) and its first user."""
    _check_username_free(session, data.username)
    if org_repository.get_by_name(session, data.org_name) is not None:
        raise Conflict(
            f"单位“{data.org_name}”已在平台登记，请联系本单位已有账号或科技局为您开通账号",
            field="org_name",
        )
    org = Organization(
        name=data.org_name,
        kind=data.org_kind.value,
        district=data.district,
        town_id=towns.resolve(session, data.town),
        industry_field=data.industry_field.value if data.industry_field else None,
        status=OrgStatus.PENDING,
        contact_name=data.display_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
    )
    session.add(org)
    session.flush()
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=passwords.hash_password(data.password),
        role=ROLE_FOR_ORG[org.kind],
        org_id=org.id,
        phone=data.contact_phone,
        email=data.contact_email,
    )
    session.add(user)
    session.flush()
    notify(
        session,
        [staff.id for staff in repository.staff_for_town(session, org.town_id)],
        NotificationKind.ORG_REGISTERED,
        {"org_name": org.name},
        subject=("organization", org.id),
        link="/staff/organizations",
    )
    return user


def create_user(session: Session, data: UserCreate) -> User:
    """An account made by an administrator or by the demo loader."""
    _check_username_free(session, data.username)
    if data.role in (Role.ENTERPRISE, Role.UNIVERSITY) and data.org_id is None:
        raise InvalidInput("企业和高校院所用户必须属于一个单位", field="org_id")
    if data.org_id is not None and session.get(Organization, data.org_id) is None:
        raise InvalidInput(f"单位 {data.org_id} 不存在", field="org_id")
    org_id = data.org_id
    if data.role is Role.EXPERT:
        expert = session.get(Expert, data.expert_id) if data.expert_id else None
        if expert is None:
            raise InvalidInput("专家账号必须关联一个专家信息（expert_id）", field="expert_id")
        org_id = expert.org_id
    user = User(
        username=data.username,
        display_name=data.display_name or data.username,
        password_hash=passwords.hash_password(data.password),
        role=data.role,
        org_id=org_id,
        expert_id=data.expert_id if data.role is Role.EXPERT else None,
        town_id=towns.resolve(session, data.town) if data.role is Role.STAFF else None,
    )
    session.add(user)
    session.flush()
    return user


@dataclass
class LoginResult:
    user: User | None
    message: str = ""


def authenticate(
    session: Session, settings: Settings, *, username: str, password: str, ip: str
) -> LoginResult:
    """Check a login; failures are recorded and limited per account and per IP.

    A wrong password returns instead of raising, so that the failed attempt is committed
    with the request; too many failures raise ``TooManyAttempts`` (nothing to record).
    """
    username = username.strip()
    window = settings.login_window_minutes
    since = utcnow() - timedelta(minutes=window)
    if repository.failures_since(session, since=since, username=None, ip=ip) >= (
        settings.login_max_failures_per_ip
    ):
        raise TooManyAttempts(f"此网络地址登录失败次数过多，请 {window} 分钟后再试")
    # Locked per (account, address) first: guesses from one place do not lock out the
    # owner elsewhere; a higher ceiling over all addresses stops a spread-out attack.
    here = repository.failures_since(session, since=since, username=username, ip=ip)
    everywhere = repository.failures_since(session, since=since, username=username, ip=None)
    if (
        here >= settings.login_max_failures_per_account
        or everywhere >= settings.login_max_failures_per_account_all_ips
    ):
        raise TooManyAttempts(f"该账号登录失败次数过多，已暂时锁定，请 {window} 分钟后再试")
    user = repository.by_username(session, username)
    ok = passwords.verify_password(user.password_hash if user else passwords.DUMMY_HASH, password)
    if user is not None and ok and not user.is_active:
        session.add(LoginAttempt(ip=ip, username=username, succeeded=False))
        return LoginResult(None, "该账号已停用，请联系科技局")
    session.add(LoginAttempt(ip=ip, username=username, succeeded=bool(user and ok)))
    if user is None or not ok:
        left = min(
            settings.login_max_failures_per_account - here - 1,
            settings.login_max_failures_per_account_all_ips - everywhere - 1,
        )
        hint = f"（还可尝试 {left} 次）" if 0 < left <= 3 else ""
        if left <= 0:
            hint = f"（已暂时锁定，请 {window} 分钟后再试）"
            if user is not None:
                _tell_owner_of_lock(
                    session, user, settings, ip=ip, here=here, everywhere=everywhere
                )
        return LoginResult(None, f"用户名或密码不正确{hint}")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return LoginResult(user)


def _tell_owner_of_lock(
    session: Session, user: User, settings: Settings, *, ip: str, here: int, everywhere: int
) -> None:
    """The failure that just locked the account: its owner hears of it (once per lock)."""
    everywhere_locked = everywhere + 1 >= settings.login_max_failures_per_account_all_ips
    notify(
        session,
        [user.id],
        NotificationKind.LOGIN_LOCKED,
        {
            "ip": ip,
            "failures": (everywhere if everywhere_locked else here) + 1,
            "minutes": settings.login_window_minutes,
            "everywhere": everywhere_locked,
        },
        subject=("user", user.id),
        link="/account",
    )


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """A new password ends every session and revokes every API token of the user:
    whoever knew the old password keeps nothing. The caller re-issues its own session
    with the new epoch (``user.session_epoch``)."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput("当前密码不正确", field="current")
    problem = passwords.check_strength(new)
    if problem:
        raise InvalidInput(problem, field="new")
    user.password_hash = passwords.hash_password(new)
    end_sessions(session, user)
    repository.revoke_tokens_of(session, user.id, at=utcnow())
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """Every session cookie issued to this user so far stops working (logout everywhere)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


# -- API tokens -------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:64] or "API",
        token_hash=_digest(plain),
        prefix=plain[:10],
    )
    session.add(token)
    session.flush()
    return token, plain


TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenUse:
    """Who a bearer token belongs to, and whether its last-used time is due an update."""

    user: User
    token_id: int
    touch_due: bool


def user_for_token(session: Session, plain: str) -> TokenUse | None:
    """The user of a live token. Reads only: the request that presents the token must not
    take the write lock (on SQLite, forty readers would queue behind one another), so the
    last-used time is written apart, by ``touch_token``, when ``touch_due``."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = repository.token_by_hash(session, _digest(plain))
    if token is None:
        return None
    user = repository.get(session, token.user_id)
    if user is None or not user.is_active:
        return None
    last = token.last_used_at
    due = last is None or utcnow() - _aware(last) > TOKEN_TOUCH_INTERVAL
    return TokenUse(user, token.id, due)


def touch_token(session: Session, token_id: int) -> None:
    """Record that a token was used now, unless another request did so within the minute
    (a conditional update: concurrent touches write once)."""
    now = utcnow()
    repository.touch_token(session, token_id, now=now, unless_since=now - TOKEN_TOUCH_INTERVAL)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def revoke_token(session: Session, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("令牌不存在")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()


# -- organizations --------------------------------------------------------------
def approve_org(session: Session, p: Principal, org_id: int) -> Organization:
    """Staff publish a registered organization: its items become visible and matchable."""
    require_staff(p)
    org = org_service.get(session, org_id)
    ensure_can_manage_org(p, org, status_change=True)
    if org.status != OrgStatus.PENDING:
        raise Conflict(f"“{org.name}”当前状态为{org.status.label}，无需审核")
    org_service.update_org(session, org.id, OrganizationUpdate(status=OrgStatus.ACTIVE))
    notify(
        session,
        [user.id for user in repository.users_of_org(session, org.id)],
        NotificationKind.ORG_APPROVED,
        {"org_name": org.name},
        subject=("organization", org.id),
        link="/",
    )
    return org


def reject_org(session: Session, p: Principal, org_id: int, reason: str) -> Organization:
    require_staff(p)
    org = org_service.get(session, org_id)
    ensure_can_manage_org(p, org, status_change=True)
    if not reason.strip():
        raise InvalidInput("请填写不予通过的原因", field="reason")
    org_service.update_org(session, org.id, OrganizationUpdate(status=OrgStatus.CLOSED))
    notify(
        session,
        [user.id for user in repository.users_of_org(session, org.id)],
        NotificationKind.ORG_REJECTED,
        {"org_name": org.name, "reason": reason.strip()},
        subject=("organization", org.id),
        link="/account",
    )
    return org
