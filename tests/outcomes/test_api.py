"""The JSON API of outcomes: hostile input gets a Chinese 422, nothing half-written."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import add_org

BASE = {
    "name": "船用阀门密封技术开发",
    "contract_type": "development",
    "contract_subtype": "dev_commissioned",
    "seller_name": "南通大学",
    "seller_nature": "university",
    "seller_region": "320602",
    "buyer_name": "海门阀门有限公司",
    "buyer_nature": "enterprise",
    "buyer_region": "320684",
    "signed_on": "2026-03-01",
    "amount_wan": "100",
    "tech_amount_wan": "60",
    "tech_field": "advanced_manufacturing",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount_wan": "1" + "0" * 40}, "amount_wan", "合同成交额（万元）：不能大于"),
        ({"amount_wan": "NaN"}, "amount_wan", "合同成交额（万元）"),
        ({"name": "阀门\u0007合同"}, "name", "控制字符"),
        ({"signed_on": "2026-02-31"}, "signed_on", "日期格式应为 YYYY-MM-DD"),
        ({"signed_on": "0001-01-01"}, "signed_on", "日期应在 1985 年至 2100 年之间"),
        (
            {"registration_no": "1" * 15, "registered_on": "2026-03-05"},
            "registration_no",
            "14 位或 16 位数字",
        ),
        (
            {"tech_field": "magic"},
            "tech_field",
            "技术领域：取值无效，可选：电子信息、",
        ),
        ({"tech_amount_wan": "101"}, "request", "不能大于合同成交额"),
    ],
)
def test_hostile_contract_input_is_refused_in_chinese(
    client: TestClient, change: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/api/v1/contracts", json={**BASE, **change})
    assert response.status_code == 422, response.text
    assert message in response.text
    assert client.get("/api/v1/contracts").json()["total"] == 0


def test_contract_life_through_the_api(client: TestClient) -> None:
    buyer = add_org(client, "海门阀门有限公司", "enterprise")
    made = client.post("/api/v1/contracts", json={**BASE, "buyer_org_id": buyer})
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["flow_label"] == "吸纳"
    for action in ("sign", "submit"):
        assert client.post(f"/api/v1/contracts/{cid}/actions/{action}").is_success
    bad = client.post(
        f"/api/v1/contracts/{cid}/actions/register",
        json={"registration_no": "12345", "registered_on": "2026-03-10"},
    )
    assert bad.status_code == 422
    assert "14 位或 16 位数字" in bad.text
    ok = client.post(
        f"/api/v1/contracts/{cid}/actions/register",
        json={"registration_no": "26320684000777", "registered_on": "2026-03-10"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status_label"] == "已认定登记"
    paid = client.post(
        f"/api/v1/contracts/{cid}/payments",
        json={"received_on": "2026-04-01", "amount_wan": "120", "evidence": "回单001"},
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["warnings"] == ["到账合计 120 万元已超过合同成交额 100 万元，请核对"]
    audit = client.get("/api/v1/audit", params={"entity_kind": "contract", "entity_id": cid})
    assert [e["action"] for e in audit.json()["items"]] == [
        "transition",
        "transition",
        "transition",
        "create",
    ]
    sheet = client.get("/api/v1/audit/export")
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].values)
    assert rows[0][:3] == ("编号", "时间", "操作人")
    assert len(rows) == 1 + 5  # four contract entries and the payment


def test_import_through_the_api_reports_rows(client: TestClient) -> None:
    from matchmaking.outcomes import transfer

    head = ",".join(c.heading for c in transfer.COLUMNS)
    good = dict.fromkeys((c.field for c in transfer.COLUMNS), "")
    good.update(
        {
            "registration_no": "26320684000888",
            "name": "检测技术服务",
            "signed_on": "2026-02-01",
            "buyer_name": "甲公司",
            "buyer_nature": "企业法人",
            "buyer_region": "320684",
            "seller_name": "乙大学",
            "seller_nature": "高等院校",
            "contract_type": "技术服务",
            "contract_subtype": "技术服务",
            "amount_wan": "12.5",
            "tech_field": "电子信息",
            "registered_on": "2026-02-20",
        }
    )
    line = ",".join(good[c.field] for c in transfer.COLUMNS)
    table = f"{head}\n{line}\n{line.replace('12.5', '-3')}\n".encode()
    response = client.post(
        "/api/v1/contracts/import", files={"file": ("登记表.csv", table, "text/csv")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"]) == (1, 0)
    assert [e["row"] for e in body["errors"]] == [3]
    assert "不能小于 0" in body["errors"][0]["message"]
