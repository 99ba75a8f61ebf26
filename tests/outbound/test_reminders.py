"""Reminders keep a docking moving: 3 days unanswered → the receiver, 7 days → the town's
staff, each once, each with the link that does it; the dashboard counts the sends, the
clicks and the answers that followed within 7 days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery, Organization, Town
from matchmaking.outbound import jobs, metrics
from tests.docking.conftest import World, request
from tests.factories import make_agreement, make_contract, make_user
from tests.outbound.conftest import Mailbox, body_of, channels, give_emails, subject_of

CHINA = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)


def test_an_unanswered_docking_reminds_the_receiver_then_the_town_staff_once(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    box = smtp_server[0]
    with factory() as session:
        town = session.scalars(select(Town).where(Town.name == "正余镇")).one()
        session.get(Organization, world.ent_id).town_id = town.id  # type: ignore[union-attr]
        make_user(session, role="staff", username="staff_zy", town="正余镇")
        make_user(session, role="staff", username="staff_sc", town="三厂街道")
        session.commit()
    addresses = give_emails(factory)
    with clock.frozen(T0):
        docking_id = request(world, world.ent).json()["id"]
        jobs.tick(factory, None, channels(outbound))
    assert len(box.to(addresses["gaoxiao"])) == 1  # the request itself

    with clock.frozen(T0 + timedelta(days=2)):
        jobs.tick(factory, None, channels(outbound))
    assert len(box.to(addresses["gaoxiao"])) == 1  # too early for a reminder

    with clock.frozen(T0 + timedelta(days=3, hours=1)):
        jobs.tick(factory, None, channels(outbound))
        jobs.tick(factory, None, channels(outbound))
    reminders = [m for m in box.to(addresses["gaoxiao"]) if "等待您答复" in subject_of(m)]
    assert len(reminders) == 1
    text = body_of(reminders[0])
    assert "去答复对接申请" in text
    assert f"to=/dockings/{docking_id}" in text
    assert box.to(addresses["staff_zy"]) == []

    with clock.frozen(T0 + timedelta(days=7, hours=1)):
        jobs.tick(factory, None, channels(outbound))
        jobs.tick(factory, None, channels(outbound))
    staff_mails = box.to(addresses["staff_zy"])
    assert [subject_of(m) for m in staff_mails] == ["【产学研对接】对接申请超过 7 天未答复"]
    assert "海门氢能动力科技有限公司" in body_of(staff_mails[0])
    assert box.to(addresses["staff_sc"]) == []  # another town's staff
    # Nobody got the 3-day reminder twice.
    assert len([m for m in box.to(addresses["gaoxiao"]) if "等待您答复" in subject_of(m)]) == 1

    # The answer on day 8 follows messages of the last 7 days: the dashboard counts it.
    with clock.frozen(T0 + timedelta(days=8)):
        assert world.uni.post(f"/api/v1/dockings/{docking_id}/accept", json={}).status_code == 200
    start, end = clock.month_bounds(2026, 12)
    with factory() as session:
        reach = metrics.reach(session, start, end)
        sent = session.scalar(select(Delivery).where(Delivery.kind == "remind_docking_3d"))
    assert reach.sent >= 3
    assert reach.failed == 0
    assert reach.acted >= 1
    assert sent is not None


def test_a_signed_agreement_without_a_contract_after_60_days_reminds_the_company_once(
    factory: sessionmaker[Session], outbound: Settings, smtp_server: tuple[Mailbox, int]
) -> None:
    box = smtp_server[0]
    with factory() as session:
        company = make_user(session, username="company_user").org_id
        make_agreement(
            session, company_org_id=company, title="膜电极联合开发", signed_on="2026-10-01"
        )
        registered = make_agreement(session, company_org_id=company, signed_on="2026-10-01")
        make_contract(
            session,
            agreement_id=registered.id,
            registration_no="2026320684000123",
            registered_on="2026-10-20",
        )
        session.commit()
    addresses = give_emails(factory)
    with clock.frozen(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)):  # 50 days: not yet
        jobs.tick(factory, None, channels(outbound))
    assert box.to(addresses["company_user"]) == []
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)):
        jobs.tick(factory, None, channels(outbound))
        jobs.tick(factory, None, channels(outbound))
    [mail] = box.to(addresses["company_user"])
    text = body_of(mail)
    assert "膜电极联合开发" in text  # the one without a contract, only
    assert "录入技术合同" in text
    assert "to=/contracts/new" in text
