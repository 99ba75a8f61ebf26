"""PATCH with an explicit null for a field that must have a value is refused (422,
the field named in Chinese), not a 500; a null where "none" is meaningful still clears."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import add_achievement, add_expert, add_need, add_org

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

NEED_TITLE = "燃料电池双极板耐腐蚀涂层"
NEED_TEXT = "金属双极板腐蚀严重，需要耐腐蚀导电涂层。"


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("title", "标题"),
        ("description", "描述"),
        ("status", "状态"),
        ("industry_field", "行业领域"),
        ("cooperation_mode", "合作方式"),
        ("org_id", "所属单位"),
        ("indicators", "技术指标"),
    ],
)
def test_a_need_refuses_null_for_a_required_field(
    client: TestClient, field: str, label: str
) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    need = add_need(client, org_id, NEED_TITLE, NEED_TEXT)

    sent = client.patch(f"/api/v1/needs/{need['id']}", json={field: None})

    assert sent.status_code == 422, sent.text
    assert f"{label}：" in sent.json()["message"]
    assert "不能为空" in sent.json()["message"]
    assert client.get(f"/api/v1/needs/{need['id']}").json()["title"] == NEED_TITLE


def test_a_null_still_clears_a_field_that_may_be_empty(client: TestClient) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    need = add_need(client, org_id, NEED_TITLE, NEED_TEXT, budget_wan="50", deadline="2099-12-31")

    sent = client.patch(f"/api/v1/needs/{need['id']}", json={"budget_wan": None, "deadline": None})

    assert sent.status_code == 200, sent.text
    assert sent.json()["budget_wan"] is None
    assert sent.json()["deadline"] is None


def test_organizations_achievements_and_experts_refuse_it_too(client: TestClient) -> None:
    org_id = add_org(client, "南通大学", "university")
    achievement = add_achievement(
        client, org_id, "低铂燃料电池催化剂", "低铂催化剂，活性高，耐久性好。"
    )
    expert = add_expert(client, org_id, "王教授", "燃料电池催化剂与膜电极")

    org = client.patch(f"/api/v1/organizations/{org_id}", json={"name": None})
    org_kind = client.patch(f"/api/v1/organizations/{org_id}", json={"kind": None})
    ach = client.patch(f"/api/v1/achievements/{achievement['id']}", json={"maturity": None})
    exp_name = client.patch(f"/api/v1/experts/{expert['id']}", json={"name": None})
    exp_fields = client.patch(f"/api/v1/experts/{expert['id']}", json={"fields": None})
    exp_title = client.patch(f"/api/v1/experts/{expert['id']}", json={"title": None})

    for answer, label in [
        (org, "名称"),
        (org_kind, "类型"),
        (ach, "成熟度"),
        (exp_name, "名称"),
        (exp_fields, "擅长领域"),
        (exp_title, "标题"),
    ]:
        assert answer.status_code == 422, answer.text
        assert f"{label}：不能为空" in answer.json()["message"]
    assert client.get(f"/api/v1/organizations/{org_id}").json()["name"] == "南通大学"


def test_an_organization_may_clear_its_industry_field(client: TestClient) -> None:
    org_id = add_org(client, "南通大学", "university", industry_field="hydrogen_storage")

    sent = client.patch(f"/api/v1/organizations/{org_id}", json={"industry_field": None})

    assert sent.status_code == 200, sent.text
    assert sent.json()["industry_field"] is None
