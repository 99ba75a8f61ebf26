"""The enterprise side of a need, through the pages: form with quality hints, my needs,
explained recommendations, "not relevant" feedback, and who may see or change what."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_achievement, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup

DRAFT = {
    "title": "燃料电池金属双极板涂层",
    # Short on purpose (< 80 characters) and without indicators, budget or deadline.
    "description": "燃料电池金属双极板在酸性环境下腐蚀，接触电阻升高，需要耐腐蚀导电涂层。",
    "indicators": "",
    "industry_field": "hydrogen_storage",
    "budget_wan": "",
    "deadline": "",
    "cooperation_mode": "joint_development",
    "contact_name": "王建国",
}


def recommended_links(html: str) -> list[str]:
    return [a["href"] for a in soup(html).select("ol.results li h3 a")]


def test_enterprise_publishes_a_need_and_curates_its_recommendations(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    h2 = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    other = add_org(client, "南通海达船舶配套有限公司", "enterprise", town="临江镇")
    tongji = add_org(client, "同济大学", "university", town="")
    coating = add_achievement(
        client,
        tongji,
        "燃料电池金属双极板碳基复合涂层",
        "针对燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层，"
        "接触电阻低于5mΩ·cm²，已完成中试镀膜线验证。",
    )["id"]
    catalyst = add_achievement(
        client,
        tongji,
        "燃料电池双极板氮化铬导电防护涂层",
        "磁控溅射氮化铬涂层用于燃料电池不锈钢双极板，耐腐蚀并降低接触电阻。",
    )["id"]
    make_user(factory, "qiye", "enterprise", org_id=h2)
    make_user(factory, "haida", "enterprise", org_id=other)
    owner = make_client()
    login(owner, "qiye")

    # A too-short draft: hints, nothing saved yet.
    draft = post_form(owner, "/needs/new", DRAFT)
    assert draft.status_code == 200
    page = soup(draft.text)
    hinted = {a.get_text() for a in page.select(".quality a")}
    assert {"需求描述", "技术指标", "预算", "截止日期"} <= hinted
    hint = {
        name: page.select_one(f"[name={name}]").find_parent("label").select_one(".field-hint")
        for name in ("description", "indicators")
    }
    assert f"需求描述只有 {len(DRAFT['description'])} 个字" in hint["description"].get_text()
    assert "接触电阻 < 10 mΩ·cm²" in hint["indicators"].get_text()
    assert page.select_one("button[name=confirm][value='1']").get_text(strip=True) == "仍然发布"
    assert page.select_one("textarea[name=description]").get_text() == DRAFT["description"]
    assert "本单位还没有发布技术需求" in owner.get("/my/needs").text

    # Confirmed: saved, and the browser lands on the need page.
    published = post_form(owner, "/needs/new", {**DRAFT, "confirm": "1"}, follow_redirects=False)
    assert published.status_code == 303
    url = published.headers["location"]
    need_id = int(re.fullmatch(r"/needs/(\d+)", url).group(1))
    mine = soup(owner.get("/my/needs").text)
    assert [a.get_text() for a in mine.select("table.list td a[href^='/needs/']")][0] == DRAFT[
        "title"
    ]

    # Its page: recommended achievements with 匹配度 and the shared terms marked.
    shown = owner.get(url)
    assert shown.status_code == 200
    page = soup(shown.text)
    assert f"/achievements/{coating}" in recommended_links(shown.text)
    first = page.select_one("ol.results li")
    assert "匹配度" in first.select_one(".score").get_text()
    assert "双极板" in [m.get_text() for m in first.select("mark")]
    assert "王建国" in page.select_one("dl.facts").get_text()
    assert page.select_one("form[action='/dockings/request'] input[name=need_id]")["value"] == str(
        need_id
    )

    # "不相关" with a reason: gone from the recommendations, listed with its reason.
    marked = post_form(
        owner,
        f"/needs/{need_id}/feedback",
        {"target_kind": "achievements", "target_id": coating, "reason": "mismatch"},
        follow_redirects=False,
    )
    assert marked.status_code == 303
    after = owner.get(url).text
    assert f"/achievements/{coating}" not in recommended_links(after)
    assert f"/achievements/{catalyst}" in recommended_links(after)
    listed = soup(after).select_one("#not-relevant table").get_text()
    assert "燃料电池金属双极板碳基复合涂层" in listed
    assert "技术不对口" in listed

    # "我的需求" counts each need's dockings: none yet, then one awaiting a reply.
    def docking_cell() -> str:
        row = soup(owner.get("/my/needs").text).select_one("table.list tbody tr")
        return " ".join(row.select_one("td.docking-count").get_text().split())

    assert docking_cell() == "暂无"
    asked = post_form(
        owner,
        "/dockings/request",
        {"need_id": need_id, "target_kind": "achievements", "target_id": catalyst,
         "message": "希望进一步沟通低铂催化剂的合作。"},
        follow_redirects=False,
    )  # fmt: skip
    assert asked.status_code == 303
    assert docking_cell() == "1 项 待回复 1"

    # Another enterprise's user may not edit it.
    stranger = make_client()
    login(stranger, "haida")
    assert stranger.get(f"/needs/{need_id}/edit").status_code == 403
    changed = post_form(stranger, f"/needs/{need_id}/edit", {**DRAFT, "title": "改掉别人的需求"})
    assert changed.status_code == 403
    assert DRAFT["title"] in owner.get(url).text

    # A visitor sees the published need without its contact and without action forms.
    anon = make_client()
    visitor = anon.get(url)
    assert visitor.status_code == 200
    assert DRAFT["title"] in visitor.text
    assert "王建国" not in visitor.text
    assert recommended_links(visitor.text), "recommendations are public"
    page = soup(visitor.text)
    assert page.select("form[action='/dockings/request']") == []
    assert page.select(f"form[action='/needs/{need_id}/feedback']") == []
    assert "登录后可申请对接" in page.get_text()
