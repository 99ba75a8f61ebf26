"""Staff see every send and failure (a town's staff: their town's), with filters; the
dashboard shows the month's reach."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery, Organization, Town
from matchmaking.outbound import jobs
from tests.docking.conftest import World, request
from tests.factories import make_user
from tests.outbound.conftest import Mailbox, channels, give_emails
from tests.web.pages_helpers import login, soup

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_staff_see_sends_and_failures_in_their_scope(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    make_client: Callable[..., TestClient],
) -> None:
    box = smtp_server[0]
    with factory() as session:
        zhengyu = session.scalars(select(Town).where(Town.name == "正余镇")).one()
        session.get(Organization, world.uni_id).town_id = zhengyu.id  # type: ignore[union-attr]
        make_user(session, role="staff", username="staff_all")
        make_user(session, role="staff", username="staff_zy", town="正余镇")
        make_user(session, role="staff", username="staff_sc", town="三厂街道")
        session.commit()
    give_emails(factory)
    with clock.frozen(NOON):
        request(world, world.ent)
        box.failing = True
        jobs.instant(factory, channels(outbound))
    box.failing = False

    pages = {}
    for name in ("staff_all", "staff_zy", "staff_sc", "qiye"):
        pages[name] = make_client()
        login(pages[name], name)
    listing = pages["staff_all"].get("/staff/deliveries")
    assert listing.status_code == 200
    text = soup(listing.text).get_text(" ")
    assert "gaoxiao@example.cn" in text
    assert "发送失败" in text
    assert "451" in text  # the server's answer, for whoever looks into it
    # A town's staff see their town's recipients only.
    assert "gaoxiao@example.cn" in soup(pages["staff_zy"].get("/staff/deliveries").text).get_text()
    assert "gaoxiao@example.cn" not in pages["staff_sc"].get("/staff/deliveries").text
    # Filters: sent emails (none yet: only the robot's post went out), hostile searches.
    sent_only = pages["staff_all"].get(
        "/staff/deliveries", params={"status": "sent", "channel": "email"}
    )
    assert "没有符合条件的发送记录" in sent_only.text
    robots = pages["staff_all"].get("/staff/deliveries", params={"status": "sent"})
    assert "群机器人" in soup(robots.text).get_text()
    assert pages["staff_all"].get("/staff/deliveries", params={"q": "x" * 101}).status_code == 422
    odd = pages["staff_all"].get("/staff/deliveries", params={"q": "%_'\"<script>\x7f"})
    assert odd.status_code == 200
    assert "<script>" not in odd.text.split("</header>")[-1].replace("&lt;script&gt;", "")
    bad = pages["staff_all"].get("/staff/deliveries", params={"status": "nonsense"})
    assert bad.status_code == 422
    # One message, previewed as it was sent; another town's staff get 404.
    with factory() as session:
        row = session.scalars(
            select(Delivery).where(Delivery.address == "gaoxiao@example.cn")
        ).one()
    preview = pages["staff_all"].get(f"/staff/deliveries/{row.id}")
    assert "对接申请" in preview.text
    assert pages["staff_sc"].get(f"/staff/deliveries/{row.id}").status_code == 404
    assert pages["qiye"].get("/staff/deliveries").status_code == 403

    # The dashboard's reach panel counts the month's failed send.
    with clock.frozen(NOON):
        board = pages["staff_all"].get("/dashboard", params={"year": 2026, "month": 12})
    assert board.status_code == 200
    panel = soup(board.text).select_one("section.reach")
    assert panel is not None
    assert "发送失败 1 封" in panel.get_text(" ", strip=True).replace("  ", " ")
