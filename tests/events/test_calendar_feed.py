"""The subscribable agenda feed: read without logging in, parsed with icalendar, updated in
place after a republish (same UIDs, higher SEQUENCE); a wrong token is 404; a cancelled
registration's feed sends its meetings as CANCELLED; the agenda page shows the link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import Role
from matchmaking.events import agenda, feed
from matchmaking.events import service as events
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import User
from tests.events.test_agenda import _publish, _wished
from tests.events.test_service import register, who
from tests.factories import make_event
from tests.web.pages_helpers import login, soup


def _vevents(data: bytes) -> dict[str, Any]:
    return {str(c["UID"]): c for c in Calendar.from_ical(data).walk("VEVENT")}


@pytest.fixture
def published(
    session: Session, factory: sessionmaker[Session], index_manager: IndexManager
) -> dict[str, Any]:
    event, p, regs, staff = _wished(session)
    run = _publish(session, factory, index_manager, staff, event.id)
    return {"event": event, "p": p, "regs": regs, "staff": staff, "run": run}


def test_the_feed_is_read_without_login_and_updates_after_a_republish(
    session: Session,
    factory: sessionmaker[Session],
    index_manager: IndexManager,
    anon_client: TestClient,
    published: dict[str, Any],
) -> None:
    event, p, regs, staff = (published[k] for k in ("event", "p", "regs", "staff"))
    url = feed.feed_path(regs["a"])

    # A calendar app, not logged in, reads the feed
    response = anon_client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/calendar")
    assert "no-store" in response.headers["cache-control"]
    one = _vevents(response.content)
    # the same meetings as the download the participant gets when logged in
    assert one
    assert set(one) == set(_vevents(agenda.ics(session, p["a"], event.id)))
    assert all(int(e["SEQUENCE"]) == published["run"].version for e in one.values())
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in one.values())

    # After a republish the same URL gives the same UIDs with a higher SEQUENCE
    second = _publish(session, factory, index_manager, staff, event.id)
    two = _vevents(anon_client.get(url).content)
    assert set(two) == set(one)
    assert all(
        int(e["SEQUENCE"]) == second.version > published["run"].version for e in two.values()
    )

    # Each participant's feed holds only their own meetings.
    theirs = _vevents(anon_client.get(feed.feed_path(regs["b"])).content)
    assert all(f"-{regs['b'].id}-" in u or f"-{regs['b'].id}@" in u for u in theirs)


def test_a_wrong_token_is_not_found(
    session: Session, anon_client: TestClient, published: dict[str, Any]
) -> None:
    event, regs = published["event"], published["regs"]
    good = feed.token_for(regs["a"])
    reg_id, mac = good.split("-")
    other_event = make_event(session)
    wrong = [
        f"{reg_id}-{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",  # one character off
        f"{regs['b'].id}-{mac}",  # someone else's id with my MAC
        f"{reg_id}-",
        f"{reg_id}",
        "abc-" + mac,
        "１２３-" + mac,  # full-width digits
        f"{reg_id}-{mac}{mac}",
        "9" * 19 + "-" + mac,
        f"{reg_id}-" + "a" * 400,
    ]
    for token in wrong:
        response = anon_client.get(f"/events/{event.id}/agenda/feed/{token}.ics")
        assert response.status_code == 404, token
        assert "日历订阅链接无效" in response.text
    # The right token under another event's id is not found either.
    assert anon_client.get(f"/events/{other_event.id}/agenda/feed/{good}.ics").status_code == 404
    assert anon_client.get(f"/events/{event.id}/agenda/feed/{good}.ics").status_code == 200


def test_an_invited_only_registration_has_no_feed(
    session: Session, anon_client: TestClient
) -> None:
    event = make_event(session)
    staff = who(session, Role.STAFF)
    company = who(session, Role.ENTERPRISE)
    [invited] = events.invite(session, staff, event.id, [company.org_id])
    session.commit()
    assert anon_client.get(feed.feed_path(invited)).status_code == 404
    registered = register(session, company, event.id)
    session.commit()
    assert anon_client.get(feed.feed_path(registered)).status_code == 200


def test_a_cancelled_registrations_feed_cancels_its_meetings(
    session: Session, anon_client: TestClient, published: dict[str, Any]
) -> None:
    event, p, regs, run = (published[k] for k in ("event", "p", "regs", "run"))
    url = feed.feed_path(regs["a"])
    before = _vevents(anon_client.get(url).content)
    assert before

    events.cancel_registration(session, p["a"], event.id)
    session.commit()

    after = _vevents(anon_client.get(url).content)
    # The calendar keeps the same events and drops them: CANCELLED, a higher SEQUENCE.
    assert set(after) == set(before)
    assert all(str(e["STATUS"]) == "CANCELLED" for e in after.values())
    assert all(int(e["SEQUENCE"]) == run.version + 1 for e in after.values())


def test_the_agenda_page_shows_the_feed_link_with_its_warning(
    session: Session, make_client: Callable[..., TestClient], published: dict[str, Any]
) -> None:
    event, p, regs = published["event"], published["p"], published["regs"]
    user = session.get(User, p["a"].user_id)
    assert user is not None
    browser = make_client()
    login(browser, user.username)
    page = soup(browser.get(f"/events/{event.id}/agenda").text)
    field = page.select_one("#feed-url")
    assert field is not None
    assert str(field["value"]).endswith(feed.feed_path(regs["a"]))
    assert page.select_one("button[data-copy='#feed-url']") is not None
    assert "任何获得此链接的人都能看到您的日程" in page.text
