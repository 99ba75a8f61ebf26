"""The API keeps the contract its OpenAPI document states (issue 11, defect 19): timestamps
carry their offset (RFC 3339), errors have the declared body, and each list advertises
only the filters it accepts."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import add_achievement, add_expert, add_need, add_org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _has_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


def test_timestamps_say_they_are_utc(client: TestClient) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    need = add_need(client, org_id, "双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要导电涂层。")
    read = client.get(f"/api/v1/needs/{need['id']}").json()
    org = client.get(f"/api/v1/organizations/{org_id}").json()

    for value in (read["created_at"], read["updated_at"], org["created_at"], org["updated_at"]):
        assert _has_offset(value), value
        assert datetime.fromisoformat(value).utcoffset().total_seconds() == 0
