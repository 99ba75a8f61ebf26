"""Achievement pages as a university user, another university and a visitor see them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_achievement, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup

COATING = (
    "采用磁控溅射在不锈钢金属双极板表面沉积碳基复合涂层，接触电阻低于 5 mΩ·cm²，"
    "在燃料电池工况下耐腐蚀电流密度小于 1 μA/cm²，寿命超过 5000 小时。"
)
NEED = (
    "我公司生产质子交换膜燃料电池电堆，金属双极板在运行中腐蚀，接触电阻升高。"
    "寻求双极板表面耐腐蚀导电涂层技术，要求接触电阻低、可批量化生产。"
)
FORM = {
    "title": "金属双极板碳基复合涂层",
    "abstract": COATING,
    "keywords": "双极板;碳基涂层;燃料电池",
    "industry_field": "hydrogen_storage",
    "maturity": "scaleup",
    "trl": "6",
    "patent_numbers": "",
    "cooperation_mode": "licensing",
    "price_wan": "",
    "team_leader": "张教授",
    "confirm": "1",  # publish past the quality hints (tested in test_quality_hints)
}


def _field(page: str, name: str):  # type: ignore[no-untyped-def]
    """The <label> around a form field."""
    control = soup(page).select_one(f"[name={name}]")
    assert control is not None, f"no field {name}"
    return control.find_parent("label")


def test_university_user_publishes_and_sees_fitting_needs(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    # Given: a university user, and an enterprise with a need about bipolar-plate coatings.
    uni = add_org(client, "同济大学", "university", town="")
    company = add_org(client, "海门氢能动力", "enterprise", town="三厂街道")
    need = add_need(client, company, "燃料电池金属双极板耐腐蚀涂层", NEED)
    make_user(factory, "tongji", "university", org_id=uni)
    browser = make_client()
    login(browser, "tongji")

    # When: the form is sent without a title.
    bad = post_form(browser, "/achievements/new", {**FORM, "title": ""})

    # Then: a Chinese error next to the title, and everything typed is still there.
    assert bad.status_code == 400
    label = _field(bad.text, "title")
    assert "invalid" in label["class"]
    assert label.select_one(".field-error").get_text(strip=True) == "必填"
    page = soup(bad.text)
    assert page.select_one("textarea[name=abstract]").get_text() == COATING
    assert page.select_one("select[name=maturity] option[selected]")["value"] == "scaleup"
    assert page.select_one("select[name=trl] option[selected]")["value"] == "6"

    # When: the title is given.
    done = post_form(browser, "/achievements/new", FORM, follow_redirects=False)
    assert done.status_code == 303, done.text[:800]
    url = done.headers["location"]

    # Then: it is listed in my achievements with its maturity, mode and price (面议).
    mine = soup(browser.get("/my/achievements").text)
    row = mine.find("a", string=FORM["title"]).find_parent("tr")
    cells = row.get_text(" ", strip=True)
    assert "中试" in cells
    assert "技术许可" in cells
    assert "面议" in cells

    # And: its page shows the fitting need with a 匹配度 and the shared terms marked.
    detail = soup(browser.get(url).text)
    assert detail.select_one("h1").get_text(strip=True).startswith(FORM["title"])
    match = detail.select_one("#fitting .match")
    assert match is not None
    assert match.select_one("h3 a")["href"] == f"/needs/{need['id']}"
    assert "匹配度" in match.select_one(".score").get_text()
    marked = {m.get_text() for m in match.select("mark")}
    assert "双极板" in "".join(marked)
    # The owner may ask the company for a docking, for this achievement.
    form = detail.select_one("#fitting form[action='/dockings/request']")
    assert form is not None
    assert form.select_one("[name=need_id]")["value"] == str(need["id"])
    assert form.select_one("[name=target_kind]")["value"] == "achievements"
    assert form.select_one("[name=target_id]")["value"] == url.rsplit("/", 1)[1]
    assert form.select_one("textarea[name=message]") is not None


def test_validation_keeps_values_and_explains_patent_and_price(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    uni = add_org(client, "东南大学", "university")
    make_user(factory, "seu", "university", org_id=uni)
    browser = make_client()
    login(browser, "seu")
    data = {**FORM, "patent_numbers": "CN123", "price_wan": "abc"}

    response = post_form(browser, "/achievements/new", data)

    assert response.status_code == 400
    assert "专利号格式不正确" in _field(response.text, "patent_numbers").get_text()
    assert "应为数字" in _field(response.text, "price_wan").get_text()
    page = soup(response.text)
    assert page.select_one("input[name=title]")["value"] == FORM["title"]
    assert page.select_one("input[name=price_wan]")["value"] == "abc"


def test_other_university_cannot_edit_and_visitor_sees_no_actions(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    owner = add_org(client, "同济大学", "university")
    other = add_org(client, "南京工业大学", "university")
    company = add_org(client, "海门氢能动力", "enterprise")
    add_need(client, company, "燃料电池金属双极板耐腐蚀涂层", NEED)
    item = add_achievement(client, owner, FORM["title"], COATING)
    make_user(factory, "njtech", "university", org_id=other)
    browser = make_client()
    login(browser, "njtech")

    # Another university: no edit form, no edit POST, no docking forms on the page.
    assert browser.get(f"/achievements/{item['id']}/edit").status_code == 403
    sent = post_form(browser, f"/achievements/{item['id']}/edit", {**FORM, "title": "改掉的标题"})
    assert sent.status_code == 403
    assert "只能修改本单位" in sent.text
    assert client.get(f"/api/v1/achievements/{item['id']}").json()["title"] == FORM["title"]

    # A visitor sees the published achievement and its fitting needs, but no action forms.
    visitor = make_client()
    page = soup(visitor.get(f"/achievements/{item['id']}").text)
    assert page.select_one("h1").get_text(strip=True).startswith(FORM["title"])
    assert page.select("#fitting .match")
    assert not page.select("form[action='/dockings/request']")
    assert not page.select(f"a[href='/achievements/{item['id']}/edit']")
    assert "对接申请被接受后可见" in page.get_text()


def test_achievement_of_pending_organization_is_visible_only_to_its_owner(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    uni = add_org(client, "新研究院", "institute")
    item = add_achievement(
        client, uni, "低成本碳纸气体扩散层", "碳纸气体扩散层的连续化制备工艺，孔隙率可控。"
    )
    assert client.patch(f"/api/v1/organizations/{uni}", json={"status": "pending"}).is_success
    make_user(factory, "xinyan", "university", org_id=uni)
    other = add_org(client, "同济大学", "university")
    make_user(factory, "tongji", "university", org_id=other)
    url = f"/achievements/{item['id']}"

    # A visitor is sent to the login page; another university is refused.
    assert make_client().get(url, follow_redirects=False).status_code in (303, 401)
    stranger = make_client()
    login(stranger, "tongji")
    assert stranger.get(url).status_code == 403

    # The owner sees it, with the pending banner on the page and in the list.
    owner = make_client()
    login(owner, "xinyan")
    page = owner.get(url)
    assert page.status_code == 200
    assert "等待区科技局审核" in page.text
    mine = soup(owner.get("/my/achievements").text)
    assert "等待区科技局审核" in mine.get_text()
    assert mine.find("a", string="低成本碳纸气体扩散层") is not None


def test_owner_closes_and_publishes_again(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    owner = add_org(client, "同济大学", "university")
    item = add_achievement(client, owner, FORM["title"], COATING)
    make_user(factory, "tongji", "university", org_id=owner)
    browser = make_client()
    login(browser, "tongji")
    visitor = make_client()
    url = f"/achievements/{item['id']}"

    post_form(browser, f"{url}/close", {})
    assert visitor.get(url, follow_redirects=False).status_code == 303  # hidden: log in first
    page = soup(browser.get(url).text)
    assert page.select_one(f"form[action='{url}/reopen']") is not None

    reopened = post_form(browser, f"{url}/reopen", {}, follow_redirects=True)
    assert "成果已重新发布" in reopened.text
    assert visitor.get(url).status_code == 200


def test_quality_hints_before_publishing_are_advice_not_a_wall(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    uni = add_org(client, "南通大学", "university", town="")
    make_user(factory, "ntu", "university", org_id=uni)
    browser = make_client()
    login(browser, "ntu")
    thin = {
        **FORM,
        "abstract": "一种新型涂层材料<script>x</script>",
        "cooperation_mode": "transfer",
        "trl": "",
        "price_wan": "",
        "confirm": "",
    }

    # A thin achievement: hints (short abstract, no indicator, no application, no TRL,
    # no patent, no price for a transfer); nothing saved yet, everything typed kept.
    hinted = post_form(browser, "/achievements/new", thin)
    assert hinted.status_code == 200
    page = soup(hinted.text)
    quality = page.select_one(".quality")
    assert quality is not None
    text = quality.get_text()
    for part in ("成果简介只有", "技术指标数值", "应用领域", "技术就绪度", "知识产权", "价格"):
        assert part in text, part
    assert "<script>x</script>" not in hinted.text
    assert page.select_one("textarea[name=abstract]").get_text().startswith("一种新型涂层材料")
    assert client.get("/api/v1/achievements").json()["total"] == 0
    confirm = page.select_one("button[name=confirm]")
    assert confirm is not None
    assert confirm.get_text() == "仍然发布"

    # "仍然发布": published as it is.
    done = post_form(browser, "/achievements/new", {**thin, "confirm": "1"}, follow_redirects=False)
    assert done.status_code == 303

    # A complete achievement has no hints and is published at once.
    full = {
        **FORM,
        "title": "金属双极板碳基复合涂层（第二代）",
        "abstract": COATING + "可用于燃料电池电堆金属双极板的批量生产。",
        "patent_numbers": "ZL202110345678.3",
        "price_wan": "50",
        "confirm": "",
    }
    assert post_form(browser, "/achievements/new", full, follow_redirects=False).status_code == 303

    # An expert profile: the same advice.
    expert = post_form(
        browser,
        "/experts/new",
        {"name": "王芳", "fields": ["textiles"], "expertise": "纺织材料研究与功能性面料开发"},
    )
    assert expert.status_code == 200
    hints = soup(expert.text).select_one(".quality").get_text()
    assert "研究方向与专长只有" in hints
    assert "职称" in hints
    assert "可服务时间" in hints
