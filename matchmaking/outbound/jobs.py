"""What the worker's outbound tasks run: plan, then flush (``workers/tasks/outbound.py``).

``tick`` runs on beat: new notifications, reminders, the daily summaries and, on
Monday morning, the weekly digest; then it sends what is due. ``instant`` runs right
after a commit that made notifications, so a docking request reaches the inbox in
seconds, not at the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import Role
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Delivery, Notification, User
from matchmaking.outbound import digest, reminders, service
from matchmaking.outbound.kinds import Category, DeliveryStatus, Frequency
from matchmaking.outbound.render import SUBJECT_PREFIX, Content, Item, Section, notification_text

DIGEST_WEEKDAY = 1  # Monday
DIGEST_HOUR = 9
SUMMARY_HOUR = 8
REMINDER_HOUR = 9


@dataclass
class TickReport:
    planned: int = 0
    reminders: int = 0
    digests: int = 0
    summaries: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0


def instant(
    factory: sessionmaker[Session], channels: service.Channels | None = None
) -> service.FlushReport:
    with factory() as session:
        service.plan_notifications(session)
        session.commit()
    return service.flush(factory, channels)


def plan_digests(
    session: Session, manager: IndexManager, week: digest.Week, users: list[User] | None = None
) -> int:
    """One digest row per user with something to say for ``week`` (once per user and week)."""
    if users is None:
        users = list(
            session.scalars(
                select(User).where(User.is_active.is_(True), User.email != "").order_by(User.id)
            )
        )
    count = 0
    for user in users:
        taken = session.scalar(
            select(Delivery.id).where(
                Delivery.recipient == f"user:{user.id}",
                Delivery.kind == "digest",
                Delivery.subject_key == week.key,
            )
        )
        if taken is not None:
            continue
        if service.preferences(session, user.id)[Category.DIGEST] is Frequency.OFF:
            continue
        content = digest.build(session, manager, user, week)
        if content is None:
            continue  # nothing to say: no email
        if service.plan_user_message(
            session,
            user,
            kind="digest",
            subject_key=week.key,
            category=Category.DIGEST,
            title=content.heading,
            payload=content.to_payload(),
        ):
            count += 1
        if user.role is Role.STAFF and user.town:
            service.plan_robot_message(
                session,
                f"town:{user.town}",
                kind="digest",
                subject_key=week.key,
                category=Category.DIGEST,
                title=content.heading,
                payload=content.to_payload(),
            )
    session.flush()
    return count


def plan_summaries(
    session: Session, frequency: Frequency, period_key: str, before: datetime
) -> int:
    """Fold the held rows (made before ``before``) of users who chose a daily (or weekly)
    summary into one email each."""
    held = session.execute(
        select(Delivery, Notification)
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(
            Delivery.status == DeliveryStatus.HELD,
            Delivery.detail == f"并入{frequency.label}",
            Delivery.created_at < before,
        )
        .order_by(Delivery.user_id, Delivery.id)
    ).all()
    by_user: dict[int, list[tuple[Delivery, Notification]]] = {}
    for row, note in held:
        if row.user_id is not None:
            by_user.setdefault(row.user_id, []).append((row, note))
    count = 0
    for user_id, rows in by_user.items():
        user = session.get(User, user_id)
        if user is None:
            continue
        items = [
            Item(title=notification_text(note), lines=[row.title], path=note.link)
            for row, note in rows
        ]
        content = Content(
            subject=f"{SUBJECT_PREFIX}{frequency.label}：{len(items)} 条新消息",
            heading=f"消息{frequency.label}",
            category=Category(rows[0][0].category or Category.ACCOUNT.value),
            greeting=f"{user.display_name or user.username}，您好：",
            paragraphs=["以下是您设置为汇总接收的消息："],
            sections=[Section(heading="新消息", items=items)],
        )
        made = service.add_delivery(
            session,
            recipient=f"user:{user.id}",
            kind=f"summary_{frequency.value}",
            subject_key=period_key,
            category=content.category.value,
            user_id=user.id,
            address=user.email[:200],
            title=content.heading,
            payload=content.to_payload(),
        )
        if made is None:
            continue
        for row, _ in rows:
            row.status = DeliveryStatus.SKIPPED
            row.detail = f"已并入{frequency.label}"
        count += 1
    session.flush()
    return count


def digest_due() -> bool:
    """Monday from 09:00 local time: last week's digests are planned (once each)."""
    local = clock.local_now()
    return local.isoweekday() == DIGEST_WEEKDAY and local.hour >= DIGEST_HOUR


def tick(
    factory: sessionmaker[Session],
    manager: IndexManager | None,
    channels: service.Channels | None = None,
) -> TickReport:
    report = TickReport()
    local = clock.local_now()
    with factory() as session:
        report.planned = service.plan_notifications(session)
        session.commit()
        if local.hour >= REMINDER_HOUR:
            report.reminders = reminders.plan_all(session)
            session.commit()
        if local.hour >= SUMMARY_HOUR:
            # Yesterday's messages this morning; last week's on Monday morning.
            today_start, _ = clock.day_bounds(local.date())
            yesterday = (local.date() - timedelta(days=1)).isoformat()
            report.summaries = plan_summaries(session, Frequency.DAILY, yesterday, today_start)
            if local.isoweekday() == DIGEST_WEEKDAY:
                week = digest.Week.of(local.date() - timedelta(days=7))
                report.summaries += plan_summaries(session, Frequency.WEEKLY, week.key, today_start)
            session.commit()
        if (
            manager is not None
            and local.isoweekday() == DIGEST_WEEKDAY
            and local.hour >= DIGEST_HOUR
        ):
            report.digests = plan_digests(session, manager, digest.Week.previous())
            session.commit()
    flushed = service.flush(factory, channels)
    report.sent, report.failed, report.deferred = flushed.sent, flushed.failed, flushed.deferred
    return report


def send_digests(
    factory: sessionmaker[Session],
    manager: IndexManager,
    week: digest.Week,
    channels: service.Channels | None = None,
) -> tuple[int, service.FlushReport]:
    """`matchmaking digest send`: plan the week's digests now and send what is due."""
    with factory() as session:
        planned = plan_digests(session, manager, week)
        session.commit()
    return planned, service.flush(factory, channels)
