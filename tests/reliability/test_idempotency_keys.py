"""A create sent with an ``Idempotency-Key`` and retried (its answer lost) gets the first
answer again and makes no second row; the same key with another body is refused; keys
expire after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.models import Docking, Need, Organization
from tests.conftest import add_achievement, add_need, add_org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NEED = {
    "title": "燃料电池双极板耐腐蚀涂层",
    "description": "金属双极板在酸性环境下腐蚀严重，接触电阻升高，需要耐腐蚀导电涂层。",
    "industry_field": "hydrogen_storage",
    "cooperation_mode": "joint_development",
}


def _rows(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count(model.id))) or 0)


def test_a_retried_create_returns_the_first_answer_and_no_second_row(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    body = {**NEED, "org_id": org_id}
    key = {"Idempotency-Key": "5f0c6c1e-need-0001"}

    first = client.post("/api/v1/needs", json=body, headers=key)
    retry = client.post("/api/v1/needs", json=body, headers=key)

    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert _rows(factory, Need) == 1
    # Without a key, or with another key, a create is a new create.
    assert client.post("/api/v1/needs", json={**body, "title": "双极板涂层二"}).status_code == 201
    other = client.post(
        "/api/v1/needs", json={**body, "title": "双极板涂层三"}, headers={"Idempotency-Key": "k2"}
    )
    assert other.status_code == 201
    assert _rows(factory, Need) == 3


def test_the_same_key_with_another_body_is_refused_in_chinese(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    key = {"Idempotency-Key": "org-create-1"}
    org = {"name": "南通中集能源装备有限公司", "kind": "enterprise", "town": "三厂街道"}

    first = client.post("/api/v1/organizations", json=org, headers=key)
    changed = client.post("/api/v1/organizations", json={**org, "name": "另一家公司"}, headers=key)

    assert first.status_code == 201, first.text
    assert changed.status_code == 422, changed.text
    assert "幂等键" in changed.json()["message"]
    assert _rows(factory, Organization) == 1


def test_a_failed_create_stores_nothing_and_its_retry_runs_again(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    add_need(client, org_id, NEED["title"], NEED["description"])
    key = {"Idempotency-Key": "dup-title"}

    refused = client.post("/api/v1/needs", json={**NEED, "org_id": org_id}, headers=key)
    fixed = client.post(
        "/api/v1/needs", json={**NEED, "org_id": org_id, "title": "新的标题需求"}, headers=key
    )

    assert refused.status_code == 409, refused.text
    assert fixed.status_code == 201, fixed.text


def test_keys_expire_after_a_day(client: TestClient, factory: sessionmaker[Session]) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    body = {**NEED, "org_id": org_id}
    key = {"Idempotency-Key": "old-key"}
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with clock.frozen(start):
        first = client.post("/api/v1/needs", json=body, headers=key)
    with clock.frozen(start + timedelta(hours=23)):
        within = client.post("/api/v1/needs", json=body, headers=key)
    with clock.frozen(start + timedelta(hours=25)):
        after = client.post(
            "/api/v1/needs", json={**body, "title": "双极板涂层（新）"}, headers=key
        )

    assert first.status_code == within.status_code == 201
    assert within.json()["id"] == first.json()["id"]
    assert after.status_code == 201, after.text
    assert after.json()["id"] != first.json()["id"]
    assert _rows(factory, Need) == 2


def test_dockings_achievements_and_experts_take_a_key_too(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    company = add_org(client, "南通中集能源装备有限公司", "enterprise")
    university = add_org(client, "南通大学", "university", town="")
    need = add_need(client, company, NEED["title"], NEED["description"])
    achievement = add_achievement(client, university, "低铂燃料电池催化剂", "低铂催化剂，活性高。")
    expert = {
        "org_id": university,
        "name": "王教授",
        "title": "教授",
        "fields": ["hydrogen_storage"],
        "expertise": "燃料电池催化剂与膜电极",
    }
    achievement_body = {
        "org_id": university,
        "title": "双极板碳基复合涂层",
        "abstract": "碳基复合导电涂层，已完成中试验证。",
        "industry_field": "hydrogen_storage",
        "maturity": "pilot",
        "cooperation_mode": "licensing",
    }
    docking = {"need_id": need["id"], "target_kind": "achievements", "target_id": achievement["id"]}

    for path, body in (
        ("/api/v1/experts", expert),
        ("/api/v1/achievements", achievement_body),
        ("/api/v1/dockings", docking),
    ):
        key = {"Idempotency-Key": f"key-{path}"}
        first = client.post(path, json=body, headers=key)
        retry = client.post(path, json=body, headers=key)
        assert first.status_code == 201, first.text
        assert (retry.status_code, retry.json()) == (201, first.json())
    assert _rows(factory, Docking) == 1
