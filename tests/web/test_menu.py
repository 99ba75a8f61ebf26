"""The main menu: an administrator's fifteen pages grouped into drop-downs, every page
still one click away; a company's short menu stays flat."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_org, make_user
from tests.web.pages_helpers import login, soup


def test_an_administrators_menu_is_grouped_and_keeps_every_page(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "menu_admin", "admin")
    browser = make_client()
    login(browser, "menu_admin")

    nav = soup(browser.get("/events").text).select_one("nav.main")
    assert nav is not None
    groups = {
        g.select_one("summary").get_text(strip=True): [a["href"] for a in g.select(".menu-drop a")]  # type: ignore[union-attr]
        for g in nav.select("details.menu-group")
    }
    assert list(groups) == ["信息管理", "对接服务", "成果转化", "考核通报", "系统管理"]
    assert groups["对接服务"] == [
        "/staff/board",
        "/staff/deliveries",
        "/dockings",
        "/events",
        "/visits",
    ]
    assert groups["考核通报"] == ["/dashboard", "/reports", "/contest"]
    assert groups["系统管理"] == ["/admin/towns", "/admin/audit"]
    # The page being shown marks its group.
    current = nav.select_one("details.menu-group[data-current] summary")
    assert current is not None
    assert current.get_text(strip=True) == "对接服务"
    # Few entries on the top line, and every page reachable from the menu.
    top = nav.find_all(["a", "details"], recursive=False)
    assert len(top) <= 7
    hrefs = {str(a["href"]) for a in nav.select("a")}
    for page in ("/search", "/staff/needs", "/transfer", "/agreements", "/contracts"):
        assert page in hrefs
    for href in hrefs:
        assert browser.get(href).status_code == 200, href


def test_a_companys_menu_stays_flat(
    make_client: Callable[..., TestClient], client: TestClient, factory: sessionmaker[Session]
) -> None:
    org = add_org(client, "海门菜单测试科技有限公司", "enterprise")
    make_user(factory, "menu_company", "enterprise", org_id=org)
    browser = make_client()
    login(browser, "menu_company")

    nav = soup(browser.get("/").text).select_one("nav.main")
    assert nav is not None
    assert nav.select("details") == []
    labels = [a.get_text(strip=True) for a in nav.select("a")]
    assert "发布需求" in labels
    assert "对接活动" in labels
