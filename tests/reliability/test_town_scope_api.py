"""Town staff work through the API inside their town only: they create organizations
there and list closed or unpublished items of their town, never of another town."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_need, add_org, make_user

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def zhengyu_staff(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> TestClient:
    return make_client(make_user(factory, "staff_zy", "staff", town="正余镇"))


def _closed_need(client: TestClient, town: str, title: str) -> int:
    org_id = add_org(client, f"{town}氢能装备有限公司", "enterprise", town=town)
    need = add_need(client, org_id, title, "双极板腐蚀严重，需要导电防护涂层。")
    assert client.post(f"/api/v1/needs/{need['id']}/close").status_code == 200
    return int(need["id"])


def test_town_staff_create_organizations_only_in_their_town(zhengyu_staff: TestClient) -> None:
    body = {"kind": "enterprise", "district": "海门区"}

    elsewhere = zhengyu_staff.post(
        "/api/v1/organizations", json={**body, "name": "三厂某企业", "town": "三厂街道"}
    )
    home = zhengyu_staff.post(
        "/api/v1/organizations", json={**body, "name": "正余某企业", "town": "正余镇"}
    )

    assert elsewhere.status_code == 403, elsewhere.text
    assert "正余镇" in elsewhere.json()["message"]
    assert home.status_code == 201, home.text
    listed = zhengyu_staff.get("/api/v1/organizations", params={"status": "active"}).json()
    assert "三厂某企业" not in [o["name"] for o in listed["items"]]


def test_town_staff_list_only_their_towns_closed_needs(
    client: TestClient, zhengyu_staff: TestClient
) -> None:
    mine = _closed_need(client, "正余镇", "正余镇的已关闭需求")
    other = _closed_need(client, "三厂街道", "三厂街道的已关闭需求")

    with_closed = zhengyu_staff.get("/api/v1/needs", params={"include_closed": "true"})
    by_status = zhengyu_staff.get("/api/v1/needs", params={"status": "closed"})
    district = client.get("/api/v1/needs", params={"status": "closed"})

    for answer in (with_closed, by_status):
        assert answer.status_code == 200, answer.text
        ids = [n["id"] for n in answer.json()["items"]]
        assert mine in ids
        assert other not in ids
    assert {mine, other} <= {n["id"] for n in district.json()["items"]}
