"""Who gets which outbound message, when, and the send log that makes sending idempotent.

Two steps, both run by worker tasks (never by the web process):

1. *Plan*: a notification, a digest or a reminder becomes one ``Delivery`` row per
   recipient, keyed by (recipient, kind, subject). The row is committed before anything
   is sent; planning the same thing again finds the key taken and adds nothing.
   The user's preference decides the row's state: queued (instant), held (for the
   daily or weekly summary) or skipped (off, no address).
2. *Flush*: each due row is claimed by a compare-and-set (queued/failed → sending) and
   committed, then sent. A sent row is never sent again; a failure is recorded and retried
   with exponential backoff (five tries). Quiet hours (22:00–08:00 local time) and the
   rate limits only move a row's ``next_attempt_at``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings, get_settings
from matchmaking.enums import NotificationKind
from matchmaking.models import Delivery, Notification, OutboundPreference, User
from matchmaking.outbound import render
from matchmaking.outbound.channels import (
    Channel as ChannelProtocol,
)
from matchmaking.outbound.channels import (
    FolderChannel,
    NullChannel,
    SendFailed,
    WebhookChannel,
    email_channel,
    robot_host,
)
from matchmaking.outbound.kinds import (
    CATEGORY_OF,
    CHOICES,
    DEFAULTS,
    URGENT,
    Category,
    Channel,
    DeliveryStatus,
    Frequency,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
NO_MAIL_SERVER = "未配置邮件服务器（MATCHMAKING_SMTP_HOST）"
BACKOFF_SECONDS = 60
# Notifications older than this are not emailed any more (a worker down for days).
PLAN_WINDOW = timedelta(days=2)
FLUSH_BATCH = 200
# Kinds whose notification also goes to the organization's group robot.
ROBOT_KINDS = frozenset({NotificationKind.DOCKING_REQUESTED, NotificationKind.DOCKING_UPDATED})


# -- preferences -----------------------------------------------------------------


def preferences(session: Session, user_id: int) -> dict[Category, Frequency]:
    """A user's frequency per kind of message (the defaults where none was chosen)."""
    row = session.get(OutboundPreference, user_id)
    chosen = row.choices if row else {}
    result = dict(DEFAULTS)
    for raw_category, raw_frequency in chosen.items():
        try:
            category, frequency = Category(raw_category), Frequency(raw_frequency)
        except ValueError:
            continue  # written by another version
        if frequency in CHOICES[category]:
            result[category] = frequency
    return result


def set_preferences(
    session: Session, user_id: int, choices: Mapping[Category, Frequency]
) -> dict[Category, Frequency]:
    for category, frequency in choices.items():
        if frequency not in CHOICES[category]:
            from matchmaking.exceptions import InvalidInput

            raise InvalidInput(f"“{category.label}”不能选择“{frequency.label}”", field=category)
    row = session.get(OutboundPreference, user_id)
    if row is None:
        row = OutboundPreference(user_id=user_id, choices={})
        session.add(row)
    merged = dict(row.choices)
    merged.update({c.value: f.value for c, f in choices.items()})
    row.choices = merged
    session.flush()
    return preferences(session, user_id)


# -- time rules --------------------------------------------------------------------


def in_quiet_hours(moment: datetime, settings: Settings | None = None) -> bool:
    s = settings or get_settings()
    hour = clock.to_local(moment).hour
    if s.quiet_start_hour == s.quiet_end_hour:
        return False
    if s.quiet_start_hour > s.quiet_end_hour:
        return hour >= s.quiet_start_hour or hour < s.quiet_end_hour
    return s.quiet_start_hour <= hour < s.quiet_end_hour


def quiet_hours_end(moment: datetime, settings: Settings | None = None) -> datetime:
    """The first instant after ``moment`` outside quiet hours (local end hour)."""
    s = settings or get_settings()
    local = clock.to_local(moment)
    end = local.replace(hour=s.quiet_end_hour, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)


# -- planning ----------------------------------------------------------------------


def add_delivery(session: Session, **fields: Any) -> Delivery | None:
    """Insert a send-log row unless its key (recipient, kind, subject) is taken; None then."""
    row = Delivery(**fields)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def _user_status(session: Session, user: User, category: Category) -> tuple[DeliveryStatus, str]:
    if not user.is_active:
        return DeliveryStatus.SKIPPED, "账号已停用"
    if not user.email:
        return DeliveryStatus.SKIPPED, "没有邮箱地址"
    frequency = preferences(session, user.id)[category]
    if frequency is Frequency.OFF:
        return DeliveryStatus.SKIPPED, "用户已退订此类消息"
    if category is not Category.DIGEST and frequency in (Frequency.DAILY, Frequency.WEEKLY):
        return DeliveryStatus.HELD, f"并入{frequency.label}"
    return DeliveryStatus.QUEUED, ""


def plan_user_message(
    session: Session,
    user: User,
    *,
    kind: str,
    subject_key: str,
    category: Category,
    title: str,
    payload: Mapping[str, Any] | None = None,
    notification_id: int | None = None,
) -> Delivery | None:
    """One email to one user, by their preference; None if it was planned before."""
    status, detail = _user_status(session, user, category)
    return add_delivery(
        session,
        recipient=f"user:{user.id}",
        kind=kind,
        subject_key=subject_key,
        category=category.value,
        channel=Channel.EMAIL,
        user_id=user.id,
        notification_id=notification_id,
        address=user.email[:200],
        title=title[:200],
        status=status,
        detail=detail,
        payload=dict(payload or {}),
    )


def plan_robot_message(
    session: Session,
    scope: str,
    *,
    kind: str,
    subject_key: str,
    category: Category,
    title: str,
    payload: Mapping[str, Any] | None = None,
) -> Delivery | None:
    """One post to the group robot of ``scope`` (``town:<name>`` / ``org:<name>``), if any."""
    url = get_settings().webhooks.get(scope)
    if not url:
        return None
    return add_delivery(
        session,
        recipient=scope[:40],
        kind=kind,
        subject_key=subject_key,
        category=category.value,
        channel=Channel.WEBHOOK,
        address=robot_host(url),
        title=title[:200],
        payload=dict(payload or {}),
    )


def plan_notifications(session: Session) -> int:
    """Send-log rows for the in-app notifications not yet planned (last two days)."""
    since = clock.now() - PLAN_WINDOW
    planned = select(Delivery.id).where(Delivery.notification_id == Notification.id)
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.created_at >= since, ~planned.exists())
        .order_by(Notification.id)
        .limit(1000)
    )
    count = 0
    for note, user in session.execute(stmt).all():
        try:
            kind = NotificationKind(note.kind)
        except ValueError:
            continue
        category = CATEGORY_OF.get(kind, Category.ACCOUNT)
        title = render.notification_title(kind)
        if plan_user_message(
            session,
            user,
            kind=kind.value,
            subject_key=f"notification:{note.id}",
            category=category,
            title=title,
            notification_id=note.id,
        ):
            count += 1
        if kind in ROBOT_KINDS and user.org_id is not None:
            org_name = _org_name(session, user.org_id)
            step = str(note.payload.get("status", ""))
            plan_robot_message(
                session,
                f"org:{org_name}",
                kind=kind.value,
                subject_key=f"{note.subject_type}:{note.subject_id}:{step}"[:80],
                category=category,
                title=title,
                payload={"text": render.notification_text(note), "link": note.link},
            )
    session.flush()
    return count


def _org_name(session: Session, org_id: int) -> str:
    from matchmaking.models import Organization

    return session.scalar(select(Organization.name).where(Organization.id == org_id)) or ""


# -- sending -----------------------------------------------------------------------


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Channels:
    email: ChannelProtocol
    robot: ChannelProtocol

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Channels:
        s = settings or get_settings()
        return cls(email=email_channel(s), robot=WebhookChannel(s.webhook_timeout))


def due_ids(session: Session, now: datetime, limit: int = FLUSH_BATCH) -> list[int]:
    stmt = (
        select(Delivery.id)
        .where(
            or_(
                and_(
                    Delivery.status == DeliveryStatus.QUEUED,
                    or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                ),
                and_(
                    Delivery.status == DeliveryStatus.FAILED,
                    Delivery.next_attempt_at.is_not(None),
                    Delivery.next_attempt_at <= now,
                ),
            )
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def flush(
    factory: sessionmaker[Session],
    channels: Channels | None = None,
    *,
    settings: Settings | None = None,
) -> FlushReport:
    """Send every due row once; returns what happened."""
    s = settings or get_settings()
    channels = channels or Channels.from_settings(s)
    report = FlushReport()
    with factory() as session:
        ids = due_ids(session, clock.now())
    for delivery_id in ids:
        outcome = send_one(factory, delivery_id, channels, s)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "failed":
            report.failed += 1
        elif outcome == "deferred":
            report.deferred += 1
    return report


def _urgent(row: Delivery) -> bool:
    return row.kind in {k.value for k in URGENT}


def _rate_limited(session: Session, row: Delivery, now: datetime, s: Settings) -> str:
    if row.user_id is not None:
        recent = session.scalar(
            select(func.count()).where(
                Delivery.user_id == row.user_id,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.sent_at >= now - timedelta(hours=1),
            )
        )
        if (recent or 0) >= s.outbound_per_user_hour:
            return "user"
    overall = session.scalar(
        select(func.count()).where(
            Delivery.status == DeliveryStatus.SENT, Delivery.sent_at >= now - timedelta(minutes=1)
        )
    )
    return "global" if (overall or 0) >= s.outbound_per_minute else ""


def send_one(
    factory: sessionmaker[Session], delivery_id: int, channels: Channels, s: Settings
) -> str:
    """Send one row if it is still due: "sent", "failed", "deferred" or "" (not ours)."""
    now = clock.now()
    with factory() as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.status not in (DeliveryStatus.QUEUED, DeliveryStatus.FAILED):
            return ""
        channel = channels.robot if row.channel is Channel.WEBHOOK else channels.email
        if isinstance(channel, NullChannel):
            row.status, row.detail = DeliveryStatus.SKIPPED, NO_MAIL_SERVER
            session.commit()
            return ""
        # The demo's folder sink disturbs nobody: quiet hours are for people's inboxes.
        quiet = in_quiet_hours(now, s) and not isinstance(channel, FolderChannel)
        if quiet and not _urgent(row):
            row.next_attempt_at = quiet_hours_end(now, s)
            row.detail = f"免打扰时段，{s.quiet_end_hour:02d}:00 后发送"
            session.commit()
            return "deferred"
        limited = _rate_limited(session, row, now, s)
        if limited:
            later = timedelta(minutes=10) if limited == "user" else timedelta(minutes=1)
            row.next_attempt_at = now + later
            row.detail = "超过发送频率限制，稍后发送"
            session.commit()
            return "deferred"
        try:
            message = render.message(session, row)
        except render.Gone as gone:
            row.status, row.detail = DeliveryStatus.SKIPPED, str(gone)
            session.commit()
            return ""
        if row.channel is Channel.WEBHOOK:
            message.to = s.webhooks.get(row.recipient, "")
        # The claim: only one process moves this row to "sending".
        claimed = session.execute(
            update(Delivery)
            .where(
                Delivery.id == row.id,
                Delivery.status == row.status,
                Delivery.attempts == row.attempts,
            )
            .values(status=DeliveryStatus.SENDING, attempts=row.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(claimed, "rowcount", 0) != 1:
            return ""
        attempts = row.attempts + 1
    try:
        channel.send(message)
    except SendFailed as exc:
        error = str(exc)
        with factory() as session:
            row = session.get(Delivery, delivery_id)
            assert row is not None
            row.status = DeliveryStatus.FAILED
            if attempts >= MAX_ATTEMPTS:
                row.next_attempt_at = None
                row.detail = f"已重试 {attempts} 次仍失败，不再发送：{error}"
            else:
                row.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1))
                row.detail = f"第 {attempts} 次发送失败，稍后重试：{error}"
            session.commit()
        log.warning("delivery %s failed (attempt %d): %s", delivery_id, attempts, error)
        return "failed"
    with factory() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(status=DeliveryStatus.SENT, sent_at=now, detail="", next_attempt_at=None)
        )
        session.commit()
    return "sent"


# -- clicks ------------------------------------------------------------------------


def record_click(session: Session, delivery_id: int) -> None:
    """Count one click on a message's link: one UPDATE, so two clicks at once count two."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            clicks=func.coalesce(Delivery.clicks, 0) + 1,
            clicked_at=func.coalesce(
                Delivery.clicked_at, literal(clock.now(), Delivery.clicked_at.type)
            ),
        )
    )


def user_ids_of(rows: Iterable[Delivery]) -> list[int]:
    return [r.user_id for r in rows if r.user_id is not None]


# -- what staff see ----------------------------------------------------------------


@dataclass
class DeliveryFilters:
    status: DeliveryStatus | None = None
    channel: Channel | None = None
    category: Category | None = None
    q: str | None = None
    only_id: int | None = None


def deliveries_page(
    session: Session,
    scope_town_id: int | None,
    district: bool,
    f: DeliveryFilters,
    *,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[tuple[Delivery, str]], int, dict[str, int]]:
    """The send log as staff see it (a town's staff: its organizations' users and its
    robot), newest first: rows with the recipient's name, the total, counts by status."""
    from matchmaking.models import Organization, Town

    stmt = select(Delivery, func.coalesce(User.display_name, User.username, Delivery.recipient))
    stmt = stmt.outerjoin(User, User.id == Delivery.user_id)
    if not district:
        town = session.scalar(select(Town.name).where(Town.id == scope_town_id)) or ""
        in_town = select(Organization.id).where(
            Organization.id == User.org_id, Organization.town_id == scope_town_id
        )
        stmt = stmt.where(
            or_(
                in_town.exists(),
                User.town_id == scope_town_id,
                Delivery.recipient == f"town:{town}",
            )
        )
    conditions = []
    if f.only_id is not None:
        conditions.append(Delivery.id == f.only_id)
    if f.channel is not None:
        conditions.append(Delivery.channel == f.channel)
    if f.category is not None:
        conditions.append(Delivery.category == f.category.value)
    if f.q:
        like = f"%{f.q.strip()}%"
        conditions.append(or_(Delivery.address.like(like), Delivery.title.like(like)))
    stmt = stmt.where(*conditions)
    counts_stmt = stmt.with_only_columns(Delivery.status, func.count()).group_by(Delivery.status)
    counts = {str(getattr(s, "value", s)): int(n) for s, n in session.execute(counts_stmt)}
    if f.status is not None:
        stmt = stmt.where(Delivery.status == f.status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Delivery.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return [(d, str(name or "")) for d, name in rows], int(total), counts


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)
