"""Signed links in emails: one-click unsubscribe stops that kind of message (no login),
click-through counts and redirects only inside the site; forged or hostile links are 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery, User
from matchmaking.outbound import jobs, service, tokens
from matchmaking.outbound.kinds import Category, DeliveryStatus, Frequency
from tests.docking.conftest import World, request
from tests.outbound.conftest import Mailbox, body_of, channels, give_emails
from tests.web.pages_helpers import login, post_form, soup

CHINA = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=CHINA)


def _link(text: str, prefix: str) -> str:
    found = re.search(re.escape("https://kj.haimen.example" + prefix) + r"\S+", text)
    assert found is not None, text
    return found.group(0).removeprefix("https://kj.haimen.example")


def test_one_click_unsubscribe_stops_that_kind_and_only_that_kind(
    world: World,
    factory: sessionmaker[Session],
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    anon_client: TestClient,
) -> None:
    box = smtp_server[0]
    addresses = give_emails(factory)
    with clock.frozen(NOON):
        docking_id = request(world, world.ent).json()["id"]
        jobs.instant(factory, channels(outbound))
    [mail] = box.to(addresses["gaoxiao"])
    text = body_of(mail)

    # The click link counts, then leads to the docking.
    click = _link(text, "/o/")
    answer = anon_client.get(click, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dockings/{docking_id}"
    with factory() as session:
        row = session.scalars(
            select(Delivery).where(Delivery.address == addresses["gaoxiao"])
        ).one()
        assert row.clicks == 1
        assert row.clicked_at is not None

    # One click on the unsubscribe link, no login: docking emails stop.
    page = anon_client.get(_link(text, "/unsubscribe/"))
    assert page.status_code == 200
    assert "对接申请与答复" in soup(page.text).get_text()
    with factory() as session:
        gaoxiao = session.scalars(select(User).where(User.username == "gaoxiao")).one()
        chosen = service.preferences(session, gaoxiao.id)
    assert chosen[Category.DOCKING] is Frequency.OFF
    assert chosen[Category.EVENTS] is Frequency.INSTANT

    with clock.frozen(NOON):
        world.uni.post(f"/api/v1/dockings/{docking_id}/accept", json={})
        world.ent.post(f"/api/v1/dockings/{docking_id}/negotiate", json={})
        jobs.instant(factory, channels(outbound))
    assert len(box.to(addresses["gaoxiao"])) == 1  # nothing new for the unsubscribed
    with factory() as session:
        skipped = session.scalars(
            select(Delivery).where(
                Delivery.user_id == gaoxiao.id, Delivery.status == DeliveryStatus.SKIPPED
            )
        ).all()
    assert skipped
    assert all("退订" in d.detail for d in skipped)


@pytest.mark.parametrize(
    "path",
    [
        "/unsubscribe/1.docking-00000000000000000000000000000000",
        "/unsubscribe/" + "9" * 5000,
        "/unsubscribe/1.docking%00-abc",
        "/unsubscribe/%E2%80%AE%0A",
        "/o/1-00000000000000000000000000000000?to=/",
        "/o/abc?to=/",
    ],
)
def test_forged_or_hostile_links_are_not_found(anon_client: TestClient, path: str) -> None:
    answer = anon_client.get(path, follow_redirects=False)
    assert answer.status_code in (404, 422)
    assert "Traceback" not in answer.text


def test_a_click_link_never_leads_off_the_site(
    factory: sessionmaker[Session], anon_client: TestClient
) -> None:
    # A link signed for a path elsewhere is signed for "/" instead.
    assert tokens.click_path(7, "https://evil.example/").endswith("?to=/")
    assert tokens.click_path(7, "//evil.example/x").endswith("?to=/")
    signed = tokens.click_path(7, "/dockings/3")
    token = signed.split("/o/")[1].split("?")[0]
    # The same token with another destination is refused.
    for target in ("//evil.example", "https://evil.example", "/needs/1", "/\\evil"):
        answer = anon_client.get(f"/o/{token}", params={"to": target}, follow_redirects=False)
        assert answer.status_code == 404, target


def test_preferences_page_saves_choices_and_refuses_invalid_ones(
    world: World,
    factory: sessionmaker[Session],
    make_client: Callable[..., TestClient],
) -> None:
    browser = make_client()
    login(browser, "qiye")
    page = browser.get("/notifications/preferences")
    assert page.status_code == 200
    text = soup(page.text).get_text()
    assert "科技成果直通车" in text
    assert "每日汇总" in text
    saved = post_form(
        browser,
        "/notifications/preferences",
        {"docking": "daily", "digest": "off"},
        follow_redirects=True,
    )
    assert "消息设置已保存" in saved.text
    # The digest is weekly or off; a daily digest or an unknown value is refused.
    for bad in ({"digest": "daily"}, {"events": "hourly"}, {"docking": "\x00" * 300}):
        refused = post_form(browser, "/notifications/preferences", bad, follow_redirects=True)
        assert "所选的接收方式无效" in refused.text
    with factory() as session:
        qiye = session.scalars(select(User).where(User.username == "qiye")).one()
        chosen = service.preferences(session, qiye.id)
    assert chosen[Category.DOCKING] is Frequency.DAILY
    assert chosen[Category.DIGEST] is Frequency.OFF
