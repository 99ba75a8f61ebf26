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


def _declared(client: TestClient, path: str, method: str, status: int) -> dict:
    """The JSON schema the OpenAPI document declares for this answer (refs resolvable)."""
    document = client.get("/openapi.json").json()
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def test_a_refused_input_has_the_declared_error_body(client: TestClient) -> None:
    import jsonschema_rs

    sent = client.post("/api/v1/needs", json={"title": ""})

    assert sent.status_code == 422
    declared = _declared(client, "/api/v1/needs", "post", 422)
    errors = [e.message for e in jsonschema_rs.validator_for(declared).iter_errors(sent.json())]
    assert errors == []
    assert sent.json()["message"].startswith("输入有误")


def test_a_missing_item_has_a_declared_not_found(anon_client: TestClient) -> None:
    import jsonschema_rs

    sent = anon_client.get("/api/v1/needs/987654")

    assert sent.status_code == 404
    declared = _declared(anon_client, "/api/v1/needs/{item_id}", "get", 404)
    assert jsonschema_rs.validator_for(declared).is_valid(sent.json())


@pytest.mark.parametrize(
    ("kind", "offered"),
    [
        ("needs", {"industry_field", "town", "district", "cooperation_mode"}),
        ("achievements", {"industry_field", "town", "district", "maturity", "cooperation_mode"}),
        ("experts", {"industry_field", "town", "district"}),
    ],
)
def test_each_list_offers_only_the_filters_it_accepts(
    anon_client: TestClient, kind: str, offered: set[str]
) -> None:
    document = anon_client.get("/openapi.json").json()
    names = {p["name"] for p in document["paths"][f"/api/v1/{kind}"]["get"]["parameters"]}
    filters = {"industry_field", "town", "district", "maturity", "cooperation_mode"}

    assert names & filters == offered


def test_each_list_accepts_the_filters_it_offers(client: TestClient) -> None:
    org_id = add_org(client, "南通大学", "university")
    add_achievement(client, org_id, "质子交换膜", "高温质子交换膜材料。")
    add_expert(client, org_id, "张教授", "质子交换膜与燃料电池。")
    values = {
        "maturity": "pilot",
        "cooperation_mode": "licensing",
        "industry_field": "hydrogen_storage",
    }
    document = client.get("/openapi.json").json()

    for kind in ("needs", "achievements", "experts"):
        names = {p["name"] for p in document["paths"][f"/api/v1/{kind}"]["get"]["parameters"]}
        for name in names & values.keys():
            sent = client.get(f"/api/v1/{kind}", params={name: values[name]})
            assert sent.status_code == 200, (kind, name, sent.text)


def test_a_body_that_is_not_json_is_refused_in_chinese(client: TestClient) -> None:
    import jsonschema_rs

    sent = client.post(
        "/api/v1/needs", content=b"\xff\x03", headers={"Content-Type": "application/json"}
    )

    assert sent.status_code == 400
    assert sent.json()["message"] == "请求格式有误，无法解析（如不是有效的 JSON）"
    declared = _declared(client, "/api/v1/needs", "post", 400)
    assert jsonschema_rs.validator_for(declared).is_valid(sent.json())
