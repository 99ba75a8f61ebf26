"""Staff pages: organization approval, the docking board in a town's scope, and who may see them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_achievement, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup


def test_staff_approve_a_pending_organization_and_its_need_goes_public(
    client: TestClient,
    anon_client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    add_org(client, "已审核企业有限公司", "enterprise")
    pending = add_org(client, "海门新注册科技有限公司", "enterprise")
    assert client.patch(f"/api/v1/organizations/{pending}", json={"status": "pending"}).is_success
    need = add_need(
        client, pending, "船舶涂装机器人路径规划", "分段涂装自动化，需要机器人路径规划算法"
    )
    assert anon_client.get(f"/api/v1/needs/{need['id']}").status_code == 401
    make_user(factory, "staff", "staff")

    staff = make_client()
    login(staff, "staff")
    # The need list shows it, with its organization's review status.
    needs = soup(staff.get("/staff/needs?q=涂装").text)
    rows = needs.select("table.list tbody tr")
    assert len(rows) == 1
    assert "单位待审核" in rows[0].text
    # Pending organizations come first, with approve / reject.
    orgs = soup(staff.get("/staff/organizations").text)
    first = orgs.select("table.orgs tbody tr")[0]
    assert "海门新注册科技有限公司" in first.text
    assert first.select_one("form[action$='/approve']") is not None
    # Rejecting needs a reason.
    no_reason = post_form(staff, f"/staff/organizations/{pending}/reject", {"reason": " "})
    assert "请填写不予通过的原因" in soup(no_reason.text).select_one(".flash.error").text

    done = post_form(staff, f"/staff/organizations/{pending}/approve", {})
    assert "已通过“海门新注册科技有限公司”的审核" in soup(done.text).select_one(".flash").text
    assert anon_client.get(f"/api/v1/needs/{need['id']}").status_code == 200


def test_board_keeps_to_the_town_and_enterprises_are_refused(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    zhengyu = add_org(client, "正余镇纺织有限公司", "enterprise", town="正余镇")
    sanchang = add_org(client, "三厂氢能有限公司", "enterprise", town="三厂街道")
    uni = add_org(client, "南通大学", "university", town="")
    textile = add_need(
        client,
        zhengyu,
        "家纺面料抗菌整理工艺",
        "家纺面料需要耐洗的抗菌整理",
        industry_field="textiles",
    )
    hydrogen = add_need(client, sanchang, "储氢瓶内胆缺陷检测", "储氢瓶内胆需要无损检测方法")
    ach = add_achievement(client, uni, "纺织品无损检测与抗菌整理", "纺织品抗菌整理与缺陷检测技术")
    for need in (textile, hydrogen):
        body = {"need_id": need["id"], "target_kind": "achievements", "target_id": ach["id"]}
        assert client.post("/api/v1/dockings", json=body).status_code == 201
    make_user(factory, "staff_zhengyu", "staff", town="正余镇")
    make_user(factory, "staff", "staff")
    make_user(factory, "qiye", "enterprise", org_id=sanchang)

    town_staff = make_client()
    login(town_staff, "staff_zhengyu")
    page = soup(town_staff.get("/staff/board").text)
    requested = page.select_one(".column-requested")
    assert requested.select_one(".count").text.strip() == "1"
    assert "家纺面料抗菌整理工艺" in requested.text
    assert "储氢瓶内胆缺陷检测" not in page.text
    # Asking for another town does not widen the scope.
    assert "储氢瓶内胆缺陷检测" not in town_staff.get("/staff/board?town=三厂街道").text

    district = make_client()
    login(district, "staff")
    page = soup(district.get("/staff/board?industry_field=textiles").text)
    assert page.select_one(".column-requested .count").text.strip() == "1"
    page = soup(district.get("/staff/board").text)
    tickets = page.select(".column-requested .ticket")
    assert len(tickets) == 2
    assert "admin" in tickets[0].select_one(".last").text

    qiye = make_client()
    login(qiye, "qiye")
    for url in ("/staff/needs", "/staff/achievements", "/staff/organizations", "/staff/board"):
        response = qiye.get(url)
        assert response.status_code == 403, url
        assert "科技局工作人员" in response.text


def test_staff_publish_for_an_organization_from_its_row(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    company = add_org(client, "海门代发企业有限公司", "enterprise")
    make_user(factory, "chen", "staff")
    staff = make_client()
    login(staff, "chen")
    page = soup(staff.get("/staff/organizations?status=active").text)
    link = page.select_one(f"a[href='/needs/new?org_id={company}']")
    assert link is not None
    assert "代为发布需求" in link.text
    form = soup(staff.get(str(link["href"])).text)
    assert form.select_one("input[name=org_id]")["value"] == str(company)
