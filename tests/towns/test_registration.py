"""A new company picks its town from the list; a made-up town never reaches staff menus."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_user
from tests.web.pages_helpers import login, post_form, soup

REGISTRATION = {
    "org_name": "海门新材科技有限公司",
    "org_kind": "enterprise",
    "display_name": "张工",
    "username": "zhang",
    "password": "a-long-enough-password",
    "password2": "a-long-enough-password",
}
STAFF_FILTERS = ("/staff/organizations", "/staff/needs", "/staff/achievements", "/staff/board")


def town_options(client: TestClient, url: str) -> list[str]:
    page = soup(client.get(url).text)
    return [o.get_text() for o in page.select("select[name=town] option") if o.get("value")]


def test_an_unknown_town_is_refused_and_never_enters_the_staff_filters(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "chen", "admin")
    staff = make_client()
    login(staff, "chen")
    before = {url: town_options(staff, url) for url in STAFF_FILTERS}

    # Given a visitor whose form names a town that is not in the district's list
    browser = make_client()
    response = post_form(browser, "/register", {**REGISTRATION, "town": "不存在的镇"})

    # Then no staff filter offers the made-up town (it used to, even after a rejection)
    for url in STAFF_FILTERS:
        options = town_options(staff, url)
        assert "不存在的镇" not in options, url
        assert options == before[url], url
    # And the registration is refused with a Chinese message on the town field
    assert response.status_code == 400
    error = soup(response.text).select_one("label.invalid .field-error")
    assert error is not None
    assert "区镇" in error.get_text()
    assert "不存在的镇" in error.get_text()
    assert "海门新材科技有限公司" not in staff.get("/staff/organizations").text


def test_registration_offers_the_towns_in_order_and_keeps_the_choice(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    browser = make_client()
    options = town_options(browser, "/register")
    assert options[:3] == ["海门街道", "三厂街道", "滨江街道"]
    response = post_form(browser, "/register", {**REGISTRATION, "town": "正余镇"})
    assert response.status_code == 200  # followed to the account page
    make_user(factory, "chen", "admin")
    staff = make_client()
    login(staff, "chen")
    rows = soup(staff.get("/staff/organizations?town=正余镇").text).select("tbody tr")
    assert any("海门新材科技有限公司" in r.get_text() for r in rows)
