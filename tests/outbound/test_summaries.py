"""A daily choice folds messages into one summary; a robot that refuses is recorded;
hostile text in a title reaches nobody else and breaks no header or JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery, Need, User
from matchmaking.outbound import jobs, service
from matchmaking.outbound.kinds import Category, DeliveryStatus, Frequency
from tests.docking.conftest import World, request
from tests.outbound.conftest import Mailbox, Robot, body_of, channels, give_emails, subject_of

CHINA = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)


def test_a_daily_choice_folds_the_days_messages_into_one_summary(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    box = smtp_server[0]
    addresses = give_emails(factory)
    with factory() as session:
        gaoxiao = session.scalars(select(User).where(User.username == "gaoxiao")).one()
        service.set_preferences(session, gaoxiao.id, {Category.DOCKING: Frequency.DAILY})
        session.commit()
    with clock.frozen(T0):
        request(world, world.ent)
        jobs.tick(factory, None, channels(outbound))
    assert box.to(addresses["gaoxiao"]) == []
    with clock.frozen(T0 + timedelta(hours=22, minutes=30)):  # 08:30 the next day
        jobs.tick(factory, None, channels(outbound))
        jobs.tick(factory, None, channels(outbound))
    [summary] = box.to(addresses["gaoxiao"])
    assert "每日汇总" in subject_of(summary)
    assert "金属双极板耐腐蚀涂层开发" in body_of(summary)
    with factory() as session:
        held = session.scalars(
            select(Delivery).where(
                Delivery.notification_id.is_not(None), Delivery.user_id == gaoxiao.id
            )
        ).one()
    assert held.status is DeliveryStatus.SKIPPED
    assert "已并入每日汇总" in held.detail


def test_a_robot_that_refuses_is_recorded_and_retried(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    robot_server: tuple[Robot, int],
) -> None:
    robot = robot_server[0]
    give_emails(factory)
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    try:
        with clock.frozen(T0):
            request(world, world.ent)
            report = jobs.instant(factory, channels(outbound))
    finally:
        robot.answer = {"errcode": 0, "errmsg": "ok"}
    assert report.failed == 1
    with factory() as session:
        row = session.scalars(select(Delivery).where(Delivery.channel == "webhook")).one()
    assert row.status is DeliveryStatus.FAILED
    assert "errcode=93000" in row.detail
    assert row.address == "127.0.0.1"  # the robot's key is never logged
    with clock.frozen(T0 + timedelta(minutes=5)):
        jobs.instant(factory, channels(outbound))
    with factory() as session:
        row = session.scalars(select(Delivery).where(Delivery.channel == "webhook")).one()
    assert row.status is DeliveryStatus.SENT


def test_hostile_text_in_a_title_breaks_no_header_and_reaches_nobody_else(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    robot_server: tuple[Robot, int],
) -> None:
    box, robot = smtp_server[0], robot_server[0]
    hostile = "涂层\r\nBcc: evil@example.com\r\n\x07\u202e" + "长" * 150
    with factory() as session:
        session.execute(update(Need).where(Need.id == world.need_id).values(title=hostile[:200]))
        session.commit()
    addresses = give_emails(factory)
    with clock.frozen(T0):
        request(world, world.ent)
        jobs.instant(factory, channels(outbound))
    assert [m["To"] for m in box.messages] == [addresses["gaoxiao"]]
    mail = box.messages[0]
    assert mail["Bcc"] is None
    assert "\x07" not in body_of(mail)
    assert "Bcc: evil@example.com" in body_of(mail)  # shown as text, harmless
    assert len(robot.posts) == 1
