"""Every list page's filter form, submitted as a browser would, answers with the page.

A dropdown left on 全部 sends an empty value, which means "no filter" (it once
answered 422 "状态：取值无效").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import Tag
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_achievement, add_expert, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup


def _defaults(form: Tag) -> list[tuple[str, str]]:
    """What the browser sends for a form nobody touched."""
    fields: list[tuple[str, str]] = []
    for control in form.select("input[name], select[name]"):
        if control.has_attr("disabled"):
            continue
        name = str(control["name"])
        if control.name == "select":
            chosen = control.select_one("option[selected]") or control.select_one("option")
            value = chosen.get("value", chosen.text) if chosen is not None else ""
            fields.append((name, str(value)))
        elif control.get("type") in ("checkbox", "radio"):
            if control.has_attr("checked"):
                fields.append((name, str(control.get("value", "on"))))
        else:
            fields.append((name, str(control.get("value", ""))))
    return fields


def _variants(form: Tag) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The untouched form, then each dropdown set to each of its choices, one at a time.

    A choice under a group named for another choice of the form (科技成果's statuses while
    the form exports 技术需求) goes with that choice, so it is left out here.
    """
    defaults = _defaults(form)
    yield "defaults", defaults
    chosen = {
        (s.select_one("option[selected]") or s.select_one("option")).get_text(strip=True)
        for s in form.select("select[name]")
    }
    for select in form.select("select[name]"):
        if select.has_attr("disabled"):
            continue
        name = str(select["name"])
        for option in select.select("option"):
            group = option.find_parent("optgroup")
            if group is not None and str(group.get("label")) not in chosen:
                continue
            value = str(option.get("value", option.text))
            changed = [(k, value if k == name else v) for k, v in defaults]
            yield f"{name}={value}", changed


def _submit_every_filter(client: TestClient, url: str) -> int:
    """Submit every GET form of the page in each variant; each must answer 200."""
    page = soup(client.get(url).text)
    forms = page.select("form.filters[method=get]")
    assert forms, f"no filter form on {url}"
    for form in forms:
        action = urljoin(url, str(form.get("action") or url)).split("#")[0]
        for label, fields in _variants(form):
            response = client.get(urlsplit(action).path, params=fields)
            assert response.status_code == 200, (url, label, response.text[:300])
    return len(forms)


@pytest.fixture
def world(client: TestClient, factory: sessionmaker[Session]) -> dict[str, int]:
    ent = add_org(client, "三厂氢能有限公司", "enterprise", town="三厂街道")
    uni = add_org(client, "南通大学", "university", town="正余镇")
    need = add_need(client, ent, "储氢瓶内胆缺陷检测", "储氢瓶内胆需要无损检测方法")
    ach = add_achievement(client, uni, "无损检测技术", "储氢瓶与压力容器的超声无损检测")
    expert = add_expert(client, uni, "王教授", "超声无损检测与压力容器安全")
    body = {"need_id": need["id"], "target_kind": "achievements", "target_id": ach["id"]}
    assert client.post("/api/v1/dockings", json=body).status_code == 201
    make_user(factory, "staff", "staff")
    make_user(factory, "qiye", "enterprise", org_id=ent)
    make_user(factory, "gaoxiao", "university", org_id=uni)
    return {"need": need["id"], "achievement": ach["id"], "expert": expert["id"]}


def test_every_filter_form_with_its_defaults_and_each_dropdown(
    world: dict[str, int], make_client: Callable[..., TestClient]
) -> None:
    staff = make_client()
    login(staff, "staff")
    for url in (
        "/staff/needs",
        "/staff/achievements",
        "/staff/organizations",
        "/staff/board",
        "/dockings",
        "/transfer",
    ):
        _submit_every_filter(staff, url)

    qiye = make_client()
    login(qiye, "qiye")
    for url in ("/dockings", f"/needs/{world['need']}", f"/achievements/{world['achievement']}"):
        _submit_every_filter(qiye, url)

    gaoxiao = make_client()
    login(gaoxiao, "gaoxiao")
    for url in ("/dockings", f"/experts/{world['expert']}"):
        _submit_every_filter(gaoxiao, url)


def test_my_dockings_opens_on_the_tab_with_the_request_just_sent(
    world: dict[str, int], make_client: Callable[..., TestClient]
) -> None:
    # Given an enterprise that sends a docking request (and has received none)
    qiye = make_client()
    login(qiye, "qiye")
    form = {"need_id": world["need"], "target_kind": "experts", "target_id": world["expert"]}
    assert post_form(qiye, "/dockings/request", form, follow_redirects=False).status_code == 303
    # When it opens 我的对接
    page = soup(qiye.get("/dockings").text)
    # Then it sees its dockings, not "共 0 条" under 收到的
    assert page.select_one("nav.tabs a.active").text.strip() == "全部"
    assert "共 2 条" in page.select_one("h1").text
    assert len(page.select("table.dockings tbody tr")) == 2
