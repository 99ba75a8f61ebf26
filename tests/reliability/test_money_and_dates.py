"""Budgets and prices are not silently rounded: more than two decimals is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import add_achievement, add_org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NEED = {
    "title": "燃料电池双极板耐腐蚀涂层",
    "description": "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
    "industry_field": "hydrogen_storage",
    "cooperation_mode": "joint_development",
}


def test_a_budget_with_more_than_two_decimals_is_refused(client: TestClient) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")

    created = client.post(
        "/api/v1/needs", json={**NEED, "org_id": org_id, "budget_wan": "0.000001"}
    )
    kept = client.post("/api/v1/needs", json={**NEED, "org_id": org_id, "budget_wan": "12.5"})
    patched = client.patch(f"/api/v1/needs/{kept.json()['id']}", json={"budget_wan": 3.14159})

    assert created.status_code == 422, created.text
    assert "预算（万元）：最多 2 位小数" in created.json()["message"]
    assert kept.status_code == 201
    assert patched.status_code == 422
    assert client.get(f"/api/v1/needs/{kept.json()['id']}").json()["budget_wan"] == "12.50"


def test_a_price_with_more_than_two_decimals_is_refused(client: TestClient) -> None:
    org_id = add_org(client, "南通大学", "university")
    item = add_achievement(client, org_id, "低铂燃料电池催化剂", "低铂催化剂，活性高，耐久性好。")

    patched = client.patch(f"/api/v1/achievements/{item['id']}", json={"price_wan": "0.001"})

    assert patched.status_code == 422
    assert "价格（万元）：最多 2 位小数" in patched.json()["message"]
