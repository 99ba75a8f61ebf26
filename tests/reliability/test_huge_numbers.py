"""Numbers past what the database holds (2^63) are answered 404 or 422, never 500,
for anonymous visitors, on the API and on the pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import add_org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

HUGE = str(2**63)  # one past the largest BIGINT
HUGER = "9" * 40


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/needs/{HUGE}",
        f"/api/v1/achievements/{HUGER}",
        f"/api/v1/experts/{HUGE}",
        f"/api/v1/needs/{HUGE}/recommendations",
        f"/api/v1/organizations/{HUGE}",
        f"/needs/{HUGE}",
        f"/achievements/{HUGER}",
        f"/experts/{HUGE}",
    ],
)
def test_an_id_past_the_largest_is_not_found(anon_client: TestClient, path: str) -> None:
    answer = anon_client.get(path)

    assert answer.status_code == 404, answer.text


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/needs?page={HUGE}",
        f"/api/v1/organizations?page={HUGER}",
        f"/api/v1/needs?org_id={HUGE}",
        f"/my/needs?page={HUGE}",
    ],
)
def test_a_page_or_filter_past_the_largest_is_refused(anon_client: TestClient, path: str) -> None:
    answer = anon_client.get(path)

    assert answer.status_code == 422, answer.text
    assert "不能大于" in answer.text


@pytest.mark.parametrize(
    "path", [f"/api/v1/experts?org_id=-{int(HUGE) + 1}", f"/api/v1/needs?org_id=-{HUGER}"]
)
def test_a_filter_past_the_smallest_is_refused(anon_client: TestClient, path: str) -> None:
    answer = anon_client.get(path)

    assert answer.status_code == 422, answer.text
    assert "所属单位：不能小于 1" in answer.json()["message"]


def test_a_body_id_past_the_largest_is_refused(client: TestClient) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    body = {
        "org_id": int(HUGE),
        "title": "燃料电池双极板耐腐蚀涂层",
        "description": "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
    }

    created = client.post("/api/v1/needs", json=body)
    moved = client.post("/api/v1/needs", json={**body, "org_id": org_id})
    patched = client.patch(f"/api/v1/needs/{moved.json()['id']}", json={"org_id": int(HUGE)})

    assert created.status_code == 422, created.text
    assert "所属单位：" in created.json()["message"]
    assert patched.status_code == 422, patched.text
