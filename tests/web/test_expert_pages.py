"""Expert pages: an expert's own profile, another expert's page, a university's experts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_expert, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup

NEED = (
    "我公司生产船用柴油机曲轴，热处理后变形超差，希望优化感应淬火工艺，"
    "控制曲轴淬火变形并提高表面硬度均匀性。"
)
EXPERTISE = "长期从事金属材料热处理与表面工程研究，擅长齿轮、轴类零件的渗碳和淬火变形控制。"
NEW_EXPERTISE = "专注曲轴感应淬火工艺与淬火变形控制，为多家船用柴油机企业解决热处理变形问题。"


def test_expert_edits_profile_and_sees_fitting_needs(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    # Given: an expert with an account, and a company's need about crankshaft quenching.
    uni = add_org(client, "南京工业大学", "university")
    company = add_org(client, "海门船用动力", "enterprise", town="正余镇")
    need = add_need(
        client, company, "船用柴油机曲轴感应淬火变形控制", NEED, industry_field="ship_offshore"
    )
    me = add_expert(client, uni, "曾新华", EXPERTISE)
    make_user(factory, "zeng", "expert", expert_id=me["id"])
    browser = make_client()
    login(browser, "zeng")

    # When: the expertise is cleared, the page says so and keeps the other fields.
    bad = post_form(
        browser,
        "/my/profile",
        {"name": "曾新华", "title": "研究员", "fields": ["new_materials"], "expertise": ""},
    )
    assert bad.status_code == 400
    page = soup(bad.text)
    label = page.select_one("textarea[name=expertise]").find_parent("label")
    assert label.select_one(".field-error").get_text(strip=True) == "必填"
    assert page.select_one("input[name=title]")["value"] == "研究员"
    assert page.select_one("input[name=fields][value=new_materials]").has_attr("checked")

    # When: the profile is saved with two fields and a new expertise.
    saved = post_form(
        browser,
        "/my/profile",
        {
            "name": "曾新华",
            "title": "研究员",
            "fields": ["new_materials", "ship_offshore"],
            "expertise": NEW_EXPERTISE,
            "availability": "每月可到企业现场 1 次",
            "confirm": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303

    # Then: the API has the new profile, and the page lists the fitting need, explained.
    stored = client.get(f"/api/v1/experts/{me['id']}").json()
    assert stored["title"] == "研究员"
    assert stored["fields"] == ["new_materials", "ship_offshore"]
    profile = soup(browser.get("/my/profile").text)
    assert "已保存" in profile.get_text()
    assert profile.select_one("textarea[name=expertise]").get_text() == NEW_EXPERTISE
    match = profile.select_one("#fitting .match")
    assert match is not None
    assert match.select_one("h3 a")["href"] == f"/needs/{need['id']}"
    assert "匹配度" in match.get_text()
    assert match.select("mark")
    form = profile.select_one("#fitting form[action='/dockings/request']")
    assert form.select_one("[name=target_kind]")["value"] == "experts"
    assert form.select_one("[name=target_id]")["value"] == str(me["id"])
    assert form.select_one("[name=need_id]")["value"] == str(need["id"])

    # When: the expert sends the request from this page.
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    sent = browser.post(
        "/dockings/request",
        data={**fields, "message": "可以到现场诊断淬火工艺"},
        follow_redirects=False,
    )

    # Then: a docking exists, and the page links to it instead of offering the form again.
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/dockings/")
    again = soup(browser.get("/my/profile").text).select_one("#fitting li")
    assert again.select_one("form[action='/dockings/request']") is None
    link = again.select_one(f"a[href='{sent.headers['location']}']")
    assert "已申请" in link.get_text()


def test_expert_cannot_edit_another_expert(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    uni = add_org(client, "南京工业大学", "university")
    company = add_org(client, "海门船用动力", "enterprise")
    add_need(client, company, "船用柴油机曲轴感应淬火变形控制", NEED)
    me = add_expert(client, uni, "曾新华", EXPERTISE)
    colleague = add_expert(client, uni, "李明", "研究船舶推进轴系振动与噪声控制，擅长轴系校中。")
    make_user(factory, "zeng", "expert", expert_id=me["id"])
    browser = make_client()
    login(browser, "zeng")

    assert browser.get(f"/experts/{colleague['id']}/edit").status_code == 403
    sent = post_form(
        browser,
        f"/experts/{colleague['id']}/edit",
        {"name": "李明", "fields": ["ship_offshore"], "expertise": "被别人改掉的专长介绍文字"},
    )
    assert sent.status_code == 403
    assert (
        client.get(f"/api/v1/experts/{colleague['id']}").json()["expertise"].startswith("研究船舶")
    )

    # The colleague's public page: fitting needs, but no action forms for this expert.
    page = soup(browser.get(f"/experts/{colleague['id']}").text)
    assert page.select("#fitting .match")
    assert not page.select("form[action='/dockings/request']")
    # On their own page, the expert does get the forms.
    own = soup(browser.get(f"/experts/{me['id']}").text)
    assert own.select("#fitting form[action='/dockings/request']")


def test_university_adds_an_expert_of_its_own(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    uni = add_org(client, "南通大学", "university")
    make_user(factory, "ntu", "university", org_id=uni)
    browser = make_client()
    login(browser, "ntu")
    assert "还没有登记专家" in browser.get("/my/experts").text

    done = post_form(
        browser,
        "/experts/new",
        {
            "name": "王芳",
            "title": "教授",
            "fields": ["textiles"],
            "expertise": NEW_EXPERTISE,
            "confirm": "1",
        },
        follow_redirects=False,
    )

    assert done.status_code == 303, done.text[:500]
    mine = soup(browser.get("/my/experts").text)
    row = mine.find("a", string="王芳").find_parent("tr")
    assert "纺织与家纺" in row.get_text()
    expert_id = done.headers["location"].rsplit("/", 1)[1]
    assert browser.get(f"/experts/{expert_id}/edit").status_code == 200
