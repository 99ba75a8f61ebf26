"""CRUD, listing, validation and 404s through the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import add_achievement, add_expert, add_need, add_org

FC_NEED = "燃料电池电堆金属双极板在酸性环境下腐蚀严重，接触电阻升高，需要耐腐蚀导电涂层。"


def test_organization_crud_and_close(client: TestClient) -> None:
    org_id = add_org(
        client, "南通海达船舶配套有限公司", "enterprise", industry_field="ship_offshore"
    )
    got = client.get(f"/api/v1/organizations/{org_id}").json()
    assert got["name"] == "南通海达船舶配套有限公司"
    assert got["town"] == "三厂街道"

    changed = client.patch(f"/api/v1/organizations/{org_id}", json={"town": "临江镇"})
    assert changed.status_code == 200
    assert changed.json()["town"] == "临江镇"

    listed = client.get("/api/v1/organizations", params={"kind": "enterprise"}).json()
    assert [o["id"] for o in listed["items"]] == [org_id]

    closed = client.post(f"/api/v1/organizations/{org_id}/close")
    assert closed.json()["status"] == "closed"


def test_duplicate_organization_name_is_a_conflict(client: TestClient) -> None:
    add_org(client, "江苏大学", "university")
    response = client.post("/api/v1/organizations", json={"name": "江苏大学", "kind": "university"})
    assert response.status_code == 409
    assert "已存在" in response.json()["message"]


def test_need_lifecycle(client: TestClient) -> None:
    org = add_org(client, "海门氢能科技有限公司", "enterprise")
    need = add_need(client, org, "燃料电池双极板耐腐蚀涂层", FC_NEED, budget_wan=120)
    assert need["status"] == "open"
    assert need["embedding_status"] == "pending"  # committed before its vector exists

    read = client.get(f"/api/v1/needs/{need['id']}").json()
    assert read["embedding_status"] == "ready"  # the (inline) worker has run after commit
    assert read["org"]["name"] == "海门氢能科技有限公司"

    patched = client.patch(f"/api/v1/needs/{need['id']}", json={"budget_wan": 200})
    assert patched.status_code == 200
    assert float(patched.json()["budget_wan"]) == 200

    closed = client.post(f"/api/v1/needs/{need['id']}/close").json()
    assert closed["status"] == "closed"
    default_list = client.get("/api/v1/needs").json()
    assert default_list["total"] == 0
    with_closed = client.get("/api/v1/needs", params={"include_closed": True}).json()
    assert with_closed["total"] == 1


def test_list_is_paginated_and_filtered(client: TestClient) -> None:
    org = add_org(client, "海门新材料有限公司", "enterprise")
    for i in range(5):
        add_need(
            client,
            org,
            f"高性能复合材料需求{i}",
            "需要提高玻璃纤维复合材料的层间剪切强度。",
            industry_field="new_materials",
        )
    add_need(client, org, "燃料电池双极板耐腐蚀涂层", FC_NEED)

    page = client.get("/api/v1/needs", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 6
    assert page["page"] == 2
    assert len(page["items"]) == 2
    assert page["pages"] == 3

    filtered = client.get("/api/v1/needs", params={"industry_field": "hydrogen_storage"}).json()
    assert [n["title"] for n in filtered["items"]] == ["燃料电池双极板耐腐蚀涂层"]

    add_need(
        client, org, "带外部编号的需求", "需要提高复合材料的耐湿热老化性能。", external_id="N-X-1"
    )
    by_key = client.get("/api/v1/needs", params={"external_id": "N-X-1"}).json()
    assert [n["title"] for n in by_key["items"]] == ["带外部编号的需求"]


def test_validation_errors_name_the_field_in_chinese(client: TestClient) -> None:
    org = add_org(client, "海门氢能科技有限公司", "enterprise")
    response = client.post(
        "/api/v1/needs",
        json={
            "org_id": org,
            "title": "短",
            "description": FC_NEED,
            "industry_field": "nope",
            "cooperation_mode": "joint_development",
        },
    )
    assert response.status_code == 422
    body = response.json()
    fields = {d["field"] for d in body["detail"]}
    assert {"title", "industry_field"} <= fields
    messages = " ".join(d["message"] for d in body["detail"])
    assert "标题" in messages  # the field's Chinese name
    assert "氢能与新型储能" in messages  # the allowed values, in Chinese
    assert "hydrogen_storage" not in messages  # and no codes
    assert "行业领域" in messages


def test_wrong_organization_kind_is_refused(client: TestClient) -> None:
    uni = add_org(client, "南通大学", "university")
    response = client.post(
        "/api/v1/needs",
        json={
            "org_id": uni,
            "title": "燃料电池双极板",
            "description": FC_NEED,
            "industry_field": "hydrogen_storage",
            "cooperation_mode": "joint_development",
        },
    )
    assert response.status_code == 422
    assert "企业" in response.json()["message"]


def test_invalid_patent_number_is_explained(client: TestClient) -> None:
    uni = add_org(client, "南通大学", "university")
    response = client.post(
        "/api/v1/achievements",
        json={
            "org_id": uni,
            "title": "耐腐蚀涂层",
            "abstract": "一种金属双极板耐腐蚀导电涂层。",
            "industry_field": "hydrogen_storage",
            "maturity": "pilot",
            "cooperation_mode": "licensing",
            "patent_numbers": "ZL202110345678.9",
        },
    )
    assert response.status_code == 422
    assert "专利号" in response.text


def test_unknown_ids_are_404(client: TestClient) -> None:
    for path in (
        "/api/v1/needs/999",
        "/api/v1/achievements/999",
        "/api/v1/experts/999",
        "/api/v1/organizations/999",
        "/api/v1/needs/999/recommendations",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "不存在" in response.json()["message"]
    assert client.patch("/api/v1/needs/999", json={"title": "新的标题"}).status_code == 404
    assert client.post("/api/v1/experts/999/close").status_code == 404


def test_expert_fields_round_trip(client: TestClient) -> None:
    uni = add_org(client, "同济大学", "university")
    expert = add_expert(
        client,
        uni,
        "林书远",
        "燃料电池膜电极与催化剂研究。",
        fields=["hydrogen_storage", "new_materials"],
    )
    assert expert["fields"] == ["hydrogen_storage", "new_materials"]
    listed = client.get("/api/v1/experts", params={"industry_field": "new_materials"}).json()
    assert [e["name"] for e in listed["items"]] == ["林书远"]


def test_achievement_create_and_update(client: TestClient) -> None:
    uni = add_org(client, "同济大学", "university")
    ach = add_achievement(
        client,
        uni,
        "金属双极板涂层",
        "一种用于燃料电池的金属双极板导电涂层。",
        patent_numbers="ZL202110345678.3",
    )
    assert ach["patent_numbers"] == "ZL202110345678.3"
    upd = client.patch(f"/api/v1/achievements/{ach['id']}", json={"maturity": "scaleup", "trl": 6})
    assert upd.json()["maturity"] == "scaleup"
    assert upd.json()["trl"] == 6
