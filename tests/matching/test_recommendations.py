"""Recommendation and search rules, through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from matchmaking import clock
from tests.conftest import InlineDispatcher, add_achievement, add_expert, add_need, add_org

FC_NEED = (
    "我公司生产氢燃料电池电堆，金属双极板在酸性湿热环境下腐蚀严重，接触电阻升高，"
    "希望开发耐腐蚀、高导电的双极板表面涂层并实现批量化镀膜。"
)


@dataclass
class World:
    fc_need: int
    ship_need: int
    expired_need: int
    closed_need: int
    coating: int
    catalyst: int
    ballast: int
    prefab: int
    own_achievement: int
    closed_achievement: int
    fc_expert: int
    ship_expert: int
    hydrogen_co: int
    tongji: int


@pytest.fixture
def world(client: TestClient) -> World:
    h2 = add_org(client, "海门氢能动力科技有限公司", "enterprise", town="三厂街道")
    ship = add_org(client, "南通海达船舶配套有限公司", "enterprise", town="临江镇")
    tongji = add_org(client, "同济大学", "university", town="")
    jkd = add_org(client, "江苏科技大学", "university", town="")

    fc_need = add_need(
        client,
        h2,
        "氢燃料电池金属双极板耐腐蚀涂层开发",
        FC_NEED,
        indicators="接触电阻≤10mΩ·cm²；腐蚀电流≤1μA/cm²",
    )["id"]
    ship_need = add_need(
        client,
        ship,
        "船舶压载水处理系统国产化",
        "压载水处理装置需满足IMO公约要求，现有紫外处理方案能耗高，希望合作开发低能耗压载水处理系统。",
        industry_field="ship_offshore",
        cooperation_mode="commissioned_development",
    )["id"]
    # Posted while its deadline was still ahead (a past deadline is refused).
    with clock.frozen(datetime(2025, 1, 6, 2, 0, tzinfo=UTC)):
        expired_need = add_need(
            client,
            ship,
            "燃料电池船舶动力系统集成",
            "内河船舶采用燃料电池动力，需要电堆与锂电池混合动力系统集成方案。",
            deadline="2025-03-31",
        )["id"]
    closed_need = add_need(
        client,
        ship,
        "燃料电池双极板冲压模具",
        "金属双极板冲压成形回弹大，需要精密模具设计与流场成形工艺。",
    )["id"]
    client.post(f"/api/v1/needs/{closed_need}/close")

    coating = add_achievement(
        client,
        tongji,
        "燃料电池金属双极板碳基复合涂层",
        "针对质子交换膜燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层，"
        "腐蚀电流密度低于0.5μA/cm²，接触电阻低于5mΩ·cm²，已完成中试镀膜线验证。",
        maturity="scaleup",
        trl=6,
        patent_numbers="ZL202110345678.3",
    )["id"]
    catalyst = add_achievement(
        client,
        tongji,
        "质子交换膜燃料电池低铂催化剂",
        "低铂合金催化剂提高燃料电池膜电极的氧还原活性与耐久性，铂载量降低40%。",
        maturity="pilot",
        trl=4,
        cooperation_mode="joint_development",
    )["id"]
    ballast = add_achievement(
        client,
        jkd,
        "低能耗船舶压载水紫外处理技术",
        "中压紫外与过滤组合的船舶压载水处理技术，满足IMO D-2标准，处理能耗降低30%。",
        industry_field="ship_offshore",
        maturity="industrialized",
        trl=8,
    )["id"]
    prefab = add_achievement(
        client,
        jkd,
        "装配式建筑预制构件灌浆套筒连接",
        "装配式混凝土结构预制构件的灌浆套筒连接节点，提高抗震性能与施工效率。",
        industry_field="construction",
        maturity="industrialized",
        trl=9,
    )["id"]
    own = add_achievement(
        client,
        h2,
        "燃料电池双极板涂层在线检测方法",
        "本公司开发的金属双极板涂层接触电阻与耐腐蚀在线检测方法。",
    )["id"]
    closed_ach = add_achievement(
        client,
        jkd,
        "燃料电池双极板防腐涂层（旧版）",
        "金属双极板耐腐蚀导电涂层，接触电阻低，已停止推广。",
    )["id"]
    client.post(f"/api/v1/achievements/{closed_ach}/close")

    fc_expert = add_expert(
        client, tongji, "林书远", "长期从事质子交换膜燃料电池双极板、膜电极与电堆耐久性研究。"
    )["id"]
    ship_expert = add_expert(
        client,
        jkd,
        "顾海澄",
        "船舶与海洋工程装备设计，压载水处理与船舶节能。",
        fields=["ship_offshore"],
    )["id"]
    return World(
        fc_need,
        ship_need,
        expired_need,
        closed_need,
        coating,
        catalyst,
        ballast,
        prefab,
        own,
        closed_ach,
        fc_expert,
        ship_expert,
        h2,
        tongji,
    )


def recs(client: TestClient, path: str, **params: object) -> list[dict]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_fuel_cell_need_gets_fuel_cell_achievements_first_with_reasons(
    client: TestClient, world: World
) -> None:
    path = f"/api/v1/needs/{world.fc_need}/recommendations"
    items = recs(client, path, target="achievements", include_weak="true")
    ids = [m["item"]["id"] for m in items]
    assert ids[0] == world.coating
    assert set(ids[:2]) == {world.coating, world.catalyst}
    # Shown as matches: the coating that solves the need; the catalyst (the same trade,
    # another problem) and the rest fall below the relevance line.
    shown = recs(client, path, target="achievements")
    assert [m["item"]["id"] for m in shown] == [world.coating]
    assert shown[0]["band"] == "高度相关"
    assert shown[0]["relevance"] >= 0.6
    assert {m["band"] for m in items[1:]} == {"不足"}
    assert "中试（TRL 6）" in shown[0]["reason"]
    top = items[0]
    assert top["dense_score"] is not None
    assert top["dense_score"] > 0
    assert top["lexical_score"] > 0
    assert top["score"] > items[-1]["score"]
    assert "双极板" in top["shared_terms"]


def test_same_organization_and_closed_items_are_never_recommended(
    client: TestClient, world: World
) -> None:
    items = recs(
        client, f"/api/v1/needs/{world.fc_need}/recommendations", target="achievements", limit=50
    )
    ids = {m["item"]["id"] for m in items}
    assert world.own_achievement not in ids  # same company as the need
    assert world.closed_achievement not in ids
    assert all(m["item"]["org"]["id"] != world.hydrogen_co for m in items)


def test_expired_and_closed_needs_are_left_out(client: TestClient, world: World) -> None:
    items = recs(client, f"/api/v1/achievements/{world.coating}/recommendations", limit=50)
    ids = [m["item"]["id"] for m in items]
    assert ids[0] == world.fc_need
    assert world.expired_need not in ids
    assert world.closed_need not in ids


def test_need_gets_the_right_expert(client: TestClient, world: World) -> None:
    items = recs(client, f"/api/v1/needs/{world.fc_need}/recommendations", target="experts")
    assert items[0]["item"]["id"] == world.fc_expert
    ship = recs(client, f"/api/v1/needs/{world.ship_need}/recommendations", target="experts")
    assert ship[0]["item"]["id"] == world.ship_expert


def test_expert_gets_needs(client: TestClient, world: World) -> None:
    items = recs(client, f"/api/v1/experts/{world.ship_expert}/recommendations")
    assert items[0]["item"]["id"] == world.ship_need


def test_filters_restrict_recommendations(client: TestClient, world: World) -> None:
    # The filters, on every candidate (weak ones included: a ballast-water achievement is
    # no match for a fuel-cell need, and is not shown as one by default).
    path = f"/api/v1/needs/{world.fc_need}/recommendations"
    weak = {"include_weak": "true"}
    ship_only = recs(client, path, target="achievements", industry_field="ship_offshore", **weak)
    assert [m["item"]["id"] for m in ship_only] == [world.ballast]
    assert recs(client, path, target="achievements", industry_field="ship_offshore") == []

    mature = recs(client, path, target="achievements", maturity="industrialized", **weak)
    assert {m["item"]["id"] for m in mature} == {world.ballast, world.prefab}

    licensing = recs(
        client, path, target="achievements", cooperation_mode="joint_development", **weak
    )
    assert [m["item"]["id"] for m in licensing] == [world.catalyst]

    by_town = recs(client, f"/api/v1/achievements/{world.ballast}/recommendations", town="临江镇")
    assert [m["item"]["id"] for m in by_town] == [world.ship_need]


def test_bad_recommendation_requests_are_explained(client: TestClient, world: World) -> None:
    path = f"/api/v1/needs/{world.fc_need}/recommendations"
    bad_target = client.get(path, params={"target": "needs"})
    assert bad_target.status_code == 422
    assert "target" in bad_target.json()["message"]
    assert client.get(path, params={"limit": 0}).status_code == 422
    no_maturity = client.get(
        f"/api/v1/achievements/{world.coating}/recommendations", params={"maturity": "pilot"}
    )
    assert no_maturity.status_code == 422
    assert "成熟度" in no_maturity.json()["message"]


def test_search_in_chinese_and_english(client: TestClient, world: World) -> None:
    zh = client.get("/api/v1/search", params={"q": "双极板 耐腐蚀涂层", "kind": "achievements"})
    assert zh.status_code == 200
    assert zh.json()["items"][0]["item"]["id"] == world.coating
    en = client.get(
        "/api/v1/search", params={"q": "ballast water treatment for ships", "kind": "achievements"}
    )
    assert en.json()["items"][0]["item"]["id"] == world.ballast
    experts = client.get("/api/v1/search", params={"q": "燃料电池", "kind": "experts"}).json()
    assert experts["items"][0]["item"]["id"] == world.fc_expert
    assert client.get("/api/v1/search", params={"q": ""}).status_code == 422


def test_closing_an_organization_hides_its_items(client: TestClient, world: World) -> None:
    client.post(f"/api/v1/organizations/{world.tongji}/close")
    items = recs(
        client, f"/api/v1/needs/{world.fc_need}/recommendations", target="achievements", limit=50
    )
    ids = {m["item"]["id"] for m in items}
    assert world.coating not in ids
    assert world.catalyst not in ids


def test_item_without_vector_is_found_lexically(
    client: TestClient, dispatcher: InlineDispatcher, world: World
) -> None:
    dispatcher.paused = True  # the worker is behind: no vector yet
    tongji = world.tongji
    fresh = add_achievement(
        client, tongji, "钛合金双极板激光焊接密封", "金属双极板激光焊接与密封技术，焊缝气密性好。"
    )
    assert fresh["embedding_status"] == "pending"
    found = client.get("/api/v1/search", params={"q": "激光焊接 双极板"}).json()["items"]
    match = next(m for m in found if m["item"]["id"] == fresh["id"])
    assert match["dense_score"] is None
    assert match["lexical_score"] > 0


def test_deadlines_follow_the_china_date_not_the_utc_date(
    one_am_in_china: datetime, client: TestClient
) -> None:
    # 01:00 in China on 1 December: the UTC date is still 30 November.
    h2 = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    tongji = add_org(client, "同济大学", "university", town="")
    due_today = add_need(client, h2, "双极板涂层（今天截止）", FC_NEED, deadline="2026-12-01")
    # Posted the day before, when 30 November was still ahead (a past deadline is refused).
    with clock.frozen(one_am_in_china - timedelta(days=1)):
        due_yesterday = add_need(
            client, h2, "双极板涂层（昨天截止）", FC_NEED, deadline="2026-11-30"
        )
    coating = add_achievement(
        client, tongji, "燃料电池金属双极板碳基复合涂层", "金属双极板耐腐蚀导电涂层，接触电阻低。"
    )

    matches = recs(client, f"/api/v1/achievements/{coating['id']}/recommendations")
    recommended = {m["item"]["id"] for m in matches}
    listed = {n["id"] for n in client.get("/api/v1/needs").json()["items"]}

    assert due_today["id"] in recommended
    assert due_today["id"] in listed
    # Its last day ended at midnight in China, eight hours before midnight UTC.
    assert due_yesterday["id"] not in recommended
    assert due_yesterday["id"] not in listed
