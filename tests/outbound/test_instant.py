"""Instant emails: a docking request reaches the receiver once (retries included), the
robot of the receiver's organization once, with no contact detail before acceptance."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery
from matchmaking.outbound import jobs
from matchmaking.outbound.kinds import DeliveryStatus
from tests.docking.conftest import UNI_PHONE, World, request
from tests.outbound.conftest import (
    Mailbox,
    Robot,
    body_of,
    channels,
    give_emails,
    subject_of,
)

CHINA = ZoneInfo("Asia/Shanghai")
ENT_PHONE = "0513-1111 2222"


def _deliveries(factory: sessionmaker[Session]) -> list[Delivery]:
    with factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_a_docking_request_emails_the_receiver_once_even_when_the_job_runs_again(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    robot_server: tuple[Robot, int],
) -> None:
    box, robot = smtp_server[0], robot_server[0]
    addresses = give_emails(factory)
    with clock.frozen(datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)):
        docking_id = request(world, world.ent).json()["id"]
        first = jobs.instant(factory, channels(outbound))
        again = jobs.instant(factory, channels(outbound))
    assert (first.sent, again.sent) == (2, 0)  # the email and the university's robot
    mails = box.to(addresses["gaoxiao"])
    assert len(mails) == 1
    assert box.to(addresses["qiye"]) == []  # the requester is not told of its own request
    mail = mails[0]
    assert "对接申请" in subject_of(mail)
    text, html = body_of(mail), body_of(mail, "html")
    assert "金属双极板耐腐蚀涂层开发" in text
    assert "金属双极板耐腐蚀涂层开发" in html
    # Links go through the signed click link to the docking; the footer can unsubscribe.
    assert "https://kj.haimen.example/o/" in text
    assert f"to=/dockings/{docking_id}" in text
    assert "https://kj.haimen.example/unsubscribe/" in text
    assert mail["List-Unsubscribe"].startswith("<https://kj.haimen.example/unsubscribe/")
    # No contact detail of either side before the docking is accepted.
    for part in (text, html, *(str(p) for p in robot.posts)):
        assert UNI_PHONE not in part
        assert ENT_PHONE not in part
        assert "qiye@example.cn" not in part
    # The robot of 同济大学 got the same news once, as 企业微信 markdown.
    assert len(robot.posts) == 1
    assert robot.posts[0]["msgtype"] == "markdown"
    assert "金属双极板耐腐蚀涂层开发" in robot.posts[0]["markdown"]["content"]
    assert {d.status for d in _deliveries(factory)} == {DeliveryStatus.SENT}


def test_a_failing_mail_server_is_retried_with_backoff_and_every_attempt_recorded(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    box = smtp_server[0]
    addresses = give_emails(factory)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)
    with clock.frozen(start):
        request(world, world.ent)
        box.failing = True
        failed = jobs.instant(factory, channels(outbound))
    assert failed.failed == 1
    [row] = [d for d in _deliveries(factory) if d.channel == "email"]
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert "第 1 次发送失败" in row.detail
    assert "451" in row.detail
    box.failing = False
    with clock.frozen(start + timedelta(seconds=10)):  # the backoff has not passed
        assert jobs.instant(factory, channels(outbound)).sent == 0
    with clock.frozen(start + timedelta(minutes=2)):  # the task's retry
        assert jobs.instant(factory, channels(outbound)).sent == 1
        assert jobs.instant(factory, channels(outbound)).sent == 0
    assert len(box.to(addresses["gaoxiao"])) == 1
    [row] = [d for d in _deliveries(factory) if d.channel == "email"]
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)


def test_quiet_hours_hold_messages_until_eight_but_not_urgent_ones(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    box = smtp_server[0]
    addresses = give_emails(factory)
    night = datetime(2026, 12, 2, 23, 30, tzinfo=CHINA)
    with clock.frozen(night):
        request(world, world.ent)
        held = jobs.instant(factory, channels(outbound))
    assert held.sent == 0
    assert box.to(addresses["gaoxiao"]) == []
    row = next(d for d in _deliveries(factory) if d.channel == "email")
    assert row.status is DeliveryStatus.QUEUED
    assert "免打扰" in row.detail
    assert clock.to_local(row.next_attempt_at).hour == 8
    with clock.frozen(datetime(2026, 12, 3, 7, 59, tzinfo=CHINA)):
        assert jobs.instant(factory, channels(outbound)).sent == 0
    with clock.frozen(datetime(2026, 12, 3, 8, 0, tzinfo=CHINA)):
        jobs.instant(factory, channels(outbound))
    assert len(box.to(addresses["gaoxiao"])) == 1


@pytest.fixture
def task_module(
    factory: sessionmaker[Session], outbound: Settings, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The Celery tasks of ``workers/tasks/outbound.py``, on the test's database."""
    from workers.tasks import outbound as module

    monkeypatch.setattr(module, "get_sessionmaker", lambda: factory)
    return module


def test_the_celery_task_retried_after_a_failure_sends_once(
    world: World,
    factory: sessionmaker[Session],
    smtp_server: tuple[Mailbox, int],
    task_module: ModuleType,
) -> None:
    box = smtp_server[0]
    addresses = give_emails(factory)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)
    with clock.frozen(start):
        request(world, world.ent)
        box.failing = True
        # Eager: the retry the task asks for runs at once (before the row's backoff).
        task_module.instant.apply()
    assert box.to(addresses["gaoxiao"]) == []
    box.failing = False
    with clock.frozen(start + timedelta(minutes=3)):
        task_module.instant.apply()  # the retry Celery delivers later
        task_module.instant.apply()  # and a redelivery of the same message
    assert len(box.to(addresses["gaoxiao"])) == 1


def test_a_locked_database_is_retried_not_lost(
    world: World,
    factory: sessionmaker[Session],
    smtp_server: tuple[Mailbox, int],
    task_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seen on the demo: the task met SQLite's write lock (the web process was writing)
    and the receiver's email waited for the next beat; it is now retried."""
    box = smtp_server[0]
    addresses = give_emails(factory)
    real = jobs.instant
    calls: list[int] = []

    def locked_once(made: sessionmaker[Session]) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT INTO deliveries", {}, Exception("database is locked"))
        return real(made)

    monkeypatch.setattr(task_module.jobs, "instant", locked_once)
    with clock.frozen(datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)):
        request(world, world.ent)
        result = task_module.instant.apply()  # eager: Celery's retry runs at once
    assert result.successful(), result.traceback
    assert len(calls) == 2
    assert len(box.to(addresses["gaoxiao"])) == 1


def test_the_per_recipient_rate_limit_holds_the_rest_for_later(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matchmaking.config import get_settings

    box = smtp_server[0]
    monkeypatch.setenv("MATCHMAKING_OUTBOUND_PER_USER_HOUR", "1")
    get_settings.cache_clear()
    limited = get_settings()
    addresses = give_emails(factory)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=CHINA)
    with clock.frozen(start):
        request(world, world.ent)
        request(world, world.ent, target_kind="experts", target_id=world.expert_id)
        jobs.instant(factory, channels(limited))
    assert len(box.to(addresses["gaoxiao"])) == 1
    waiting = [d for d in _deliveries(factory) if d.status is DeliveryStatus.QUEUED]
    assert [d.address for d in waiting] == [addresses["gaoxiao"]]
    assert "频率限制" in waiting[0].detail
    with clock.frozen(start + timedelta(hours=1, minutes=1)):
        jobs.instant(factory, channels(limited))
    assert len(box.to(addresses["gaoxiao"])) == 2
