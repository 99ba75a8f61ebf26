"""The search page and the home page through their HTML: filters, pagination, the
calibrated search's cards, hostile queries, and browsing by industry and town."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import EventKind, EventStatus
from matchmaking.models import Event
from tests.conftest import add_achievement, add_expert, add_need, add_org
from tests.web.pages_helpers import soup

COATING = (
    "质子交换膜燃料电池金属双极板表面碳基涂层技术，接触电阻低于 5 mΩ·cm²，"
    "腐蚀电流密度小于 1 μA/cm²，已在电堆上完成 3000 小时耐久验证。"
)


@pytest.fixture
def world(client: TestClient, anon_client: TestClient) -> TestClient:
    """Two towns: 12 hydrogen achievements in 三厂街道 (one page and a bit), one
    ship achievement, a need and an expert in 正余镇. Returns a visitor's client."""
    uni = add_org(client, "海门理工大学", "university", town="三厂街道")
    company = add_org(client, "正余船舶配套有限公司", "enterprise", town="正余镇")
    for i in range(12):
        add_achievement(client, uni, f"金属双极板碳基涂层工艺第{i + 1}代", COATING)
    add_achievement(
        client,
        uni,
        "船舶压载水紫外处理装置",
        "船舶压载水处理装置，紫外线与过滤组合，处理能力 500 m³/h，能耗降低 30%。",
        industry_field="ship_offshore",
        maturity="industrialized",
        cooperation_mode="transfer",
    )
    add_need(
        client,
        company,
        "压载水处理装置降低能耗",
        "我公司生产船舶压载水处理装置，现有紫外灯能耗高，希望将能耗降低 20% 以上。",
        industry_field="ship_offshore",
    )
    expert_org = add_org(client, "正余研究院", "institute", town="正余镇")
    add_expert(
        client,
        expert_org,
        "王海涛",
        "燃料电池双极板涂层与电化学腐蚀防护，长期从事金属双极板表面改性研究。",
    )
    return anon_client


def results(html: str) -> list[str]:
    return [h.get_text(" ", strip=True) for h in soup(html).select("ol.results > li h3")]


def test_browse_filters_and_pagination(world: TestClient) -> None:
    page1 = world.get("/search", params={"kind": "achievements"})
    assert page1.status_code == 200
    doc = soup(page1.text)
    assert "共 13 条科技成果" in doc.select_one(".count").get_text()
    assert len(results(page1.text)) == 10
    # Newest first: the last achievement published heads the list.
    assert results(page1.text)[0] == "船舶压载水紫外处理装置"
    nxt = doc.select_one("nav.pager a")
    assert nxt is not None
    assert nxt.get_text() == "下一页"
    page2 = world.get("/search" + str(nxt["href"]))
    assert len(results(page2.text)) == 3
    assert "第 2 / 2 页" in page2.text
    past = world.get("/search", params={"kind": "achievements", "page": "7"})
    assert len(results(past.text)) == 3  # past the end: the last page

    # Filters: industry, town, maturity, cooperation mode (values or their labels).
    ship = world.get("/search", params={"kind": "achievements", "industry": "ship_offshore"})
    assert results(ship.text) == ["船舶压载水紫外处理装置"]
    assert "共 1 条" in ship.text
    by_label = world.get("/search", params={"kind": "科技成果", "maturity": "产业化"})
    assert results(by_label.text) == ["船舶压载水紫外处理装置"]
    mode = world.get("/search", params={"kind": "achievements", "mode": "licensing"})
    assert "共 12 条" in mode.text
    town = world.get("/search", params={"kind": "needs", "town": "正余镇"})
    assert results(town.text) == ["压载水处理装置降低能耗"]
    none = world.get("/search", params={"kind": "needs", "town": "三厂街道"})
    assert "没有符合筛选条件的技术需求" in none.text
    # A selected filter stays selected in the form.
    selected = soup(ship.text).select_one("select[name=industry] option[selected]")
    assert selected is not None
    assert selected.get_text() == "船舶海工"

    # Experts show their fields and expertise.
    experts = world.get("/search", params={"kind": "experts"})
    card = soup(experts.text).select_one("ol.results > li")
    assert card is not None
    text = card.get_text(" ", strip=True)
    assert "王海涛" in text
    assert "氢能与新型储能" in text
    assert "研究方向与专长" in text
    # One world for the invalid filters too (building it is the slow part).
    _invalid_filters_answer_in_chinese(world)


def _invalid_filters_answer_in_chinese(world: TestClient) -> None:
    for params, message in (
        ({"industry": "rocketry"}, "行业领域“rocketry”不存在"),
        ({"town": "不存在镇"}, "区镇“不存在镇”不存在"),
        ({"kind": "planets"}, "类型“planets”不存在"),
        ({"kind": "needs", "maturity": "pilot"}, "成熟度"),
        ({"kind": "experts", "mode": "transfer"}, "合作方式"),
        ({"sort": "oldest"}, "排序方式"),
    ):
        response = world.get("/search", params=params)
        assert response.status_code == 400, params
        error = soup(response.text).select_one(".error")
        assert error is not None, params
        assert message in error.get_text(), (params, response.text[:300])
        assert "ship_offshore" not in error.get_text()
    huge = world.get("/search", params={"page": "99999999999"})
    assert huge.status_code in (400, 422)


def test_query_ranks_explains_marks_and_filters(world: TestClient) -> None:
    response = world.get("/search", params={"q": "双极板 涂层", "kind": "achievements"})
    assert response.status_code == 200
    doc = soup(response.text)
    top = doc.select_one("ol.results > li")
    assert top is not None
    assert "匹配度" in top.get_text()
    assert {"双极板", "涂层"} & {m.get_text() for m in top.select("mark")}
    assert "共" in doc.select_one(".count").get_text()
    assert "船舶压载水紫外处理装置" not in results(response.text)
    # Filtered to the ship field: the coatings drop out.
    ship = world.get(
        "/search",
        params={"q": "双极板 涂层", "kind": "achievements", "industry": "ship_offshore"},
    )
    assert not any("双极板" in r for r in results(ship.text))
    newest = world.get("/search", params={"q": "双极板 涂层", "sort": "newest"})
    assert newest.status_code == 200
    assert soup(newest.text).select_one("select[name=sort] option[selected]")["value"] == "newest"
    _nothing_relevant_and_hostile_queries(world)


def _nothing_relevant_and_hostile_queries(world: TestClient) -> None:
    empty = world.get("/search", params={"q": "zzxqvw", "kind": "achievements"})
    assert "没有足够相关的科技成果与“zzxqvw”匹配" in empty.text
    assert "发布技术需求" in empty.text
    assert soup(empty.text).select("ol.results > li") == []
    hostile = '<script>alert(1)</script>双极板\x00\x1b"><mark>涂层'
    response = world.get("/search", params={"q": hostile, "kind": "achievements"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "\x00" not in response.text
    assert "\x1b" not in response.text
    assert soup(response.text).select_one("input[name=q]")["value"].startswith("<script>")
    long = world.get("/search", params={"q": "涂层" * 900})
    assert long.status_code == 200


def test_home_browses_by_industry_and_town(
    world: TestClient, factory: sessionmaker[Session]
) -> None:
    today = clock.local_today()
    with factory() as session:
        for title, status, day in (
            ("氢能产业产学研对接会", EventStatus.OPEN, today + timedelta(days=7)),
            ("草稿活动不显示", EventStatus.DRAFT, today + timedelta(days=3)),
            ("去年的对接会", EventStatus.HELD, today - timedelta(days=300)),
        ):
            session.add(
                Event(
                    title=title,
                    kind=list(EventKind)[0],
                    held_on=day,
                    registration_opens=today - timedelta(days=1),
                    registration_closes=day,
                    capacity=50,
                    status=status,
                )
            )
        session.commit()
    doc = soup(world.get("/").text)
    industry = doc.select_one(".browse-industry")
    assert industry is not None
    links = {a.get_text(strip=True): str(a["href"]) for a in industry.select("a")}
    assert links["科技成果 12"] == "/search?kind=achievements&industry=hydrogen_storage"
    assert "船舶海工" in industry.get_text()
    town = doc.select_one(".browse-town")
    assert town is not None
    assert "正余镇" in town.get_text()
    assert "三厂街道" in town.get_text()
    href = next(str(a["href"]) for a in town.select("a") if "技术需求" in a.get_text())
    assert results(world.get(href).text) == ["压载水处理装置降低能耗"]
    latest = doc.select_one(".latest-achievements").get_text()
    assert "船舶压载水紫外处理装置" in latest
    assert "压载水处理装置降低能耗" in doc.select_one(".latest-needs").get_text()
    events = doc.select_one(".upcoming-events").get_text()
    assert "氢能产业产学研对接会" in events
    assert "草稿活动不显示" not in events
    assert "去年的对接会" not in events
    assert "海门区科学技术局" in doc.select_one(".bureau").get_text()
    # The search box submits to the search page; an old /?q= link goes there too.
    assert doc.select_one("form.search")["action"] == "/search"
    old = world.get("/?q=双极板&kind=achievements", follow_redirects=False)
    assert old.status_code == 303
    assert old.headers["location"].startswith("/search?q=")


def test_home_empty_states(anon_client: TestClient) -> None:
    doc = soup(anon_client.get("/").text)
    assert "还没有已发布的技术需求" in doc.get_text()
    assert "近期暂无对接活动" in doc.get_text()
