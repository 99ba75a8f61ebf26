"""Control characters and bidi overrides: refused at input with the field named,
stripped on export (rows stored before), and a bad row of an import is only that row."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.schemas import Registration
from matchmaking.enums import Kind, OrgKind
from matchmaking.exporting.service import export_workbook
from matchmaking.importing.service import import_file
from matchmaking.importing.template import error_workbook
from matchmaking.models import Need
from tests.conftest import add_org
from tests.importing.conftest import COMPANY, Orgs, xlsx

HEADER = ["单位", "需求名称", "需求描述", "行业领域", "合作方式"]
ROWS = [
    [COMPANY, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
     "氢能与新型储能", "合作开发"],
    [COMPANY, "储氢罐碳纤维缠绕工艺优化", "IV型储氢瓶碳纤维用量大，需要优化缠绕工艺。",
     "氢能与新型储能", "委托开发"],
]  # fmt: skip


def test_needs_holding_control_characters_in_the_database_still_export(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # Given two needs, one of them changed behind the API's back to hold control characters
    # (PostgreSQL cannot store a NUL at all; SQLite can)
    with factory() as session:
        assert import_file(session, xlsx([HEADER, *ROWS]), "导入.xlsx", Kind.NEEDS).errors == []
        nul = "\x00" if session.get_bind().dialect.name == "sqlite" else ""
        session.execute(
            update(Need)
            .where(Need.title == "燃料电池双极板耐腐蚀涂层")
            .values(
                title=f"燃料电池{nul}双极板\x1b耐腐蚀\x07涂层", description="第一行\n第二行\x1b"
            )
        )
        session.commit()

    with factory() as session:
        data = export_workbook(session, Kind.NEEDS)

    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    titles = {r[rows[0].index("需求名称*")] for r in rows[1:]}
    assert titles == {"燃料电池双极板耐腐蚀涂层", "储氢罐碳纤维缠绕工艺优化"}
    descriptions = {r[rows[0].index("需求描述*")] for r in rows[1:]}
    assert "第一行\n第二行" in descriptions  # a line break is kept


def _need(org_id: int, **changes: str) -> dict[str, object]:
    return {
        "org_id": org_id,
        "title": "燃料电池双极板耐腐蚀涂层",
        "description": "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("title", "燃料电池\x1b双极板涂层", "标题"),
        ("title", "燃料电池\x00双极板涂层", "标题"),
        ("title", "燃料电池双极板\n耐腐蚀涂层", "标题"),
        ("contact_name", "张\x07工", "联系人"),
        ("description", "金属双极板腐蚀严重，\u202e需要耐腐蚀导电涂层。", "描述"),
        ("indicators", "接触电阻\u2066≤10mΩ", "技术指标"),
    ],
)
def test_a_need_with_a_control_character_is_refused_naming_the_field(
    client: TestClient, field: str, value: str, label: str
) -> None:
    org_id = add_org(client, COMPANY, "enterprise")

    sent = client.post("/api/v1/needs", json=_need(org_id, **{field: value}))

    assert sent.status_code == 422
    message = sent.json()["message"]
    assert f"{label}：" in message
    assert "不可见" in message or "换行" in message
    assert client.get("/api/v1/needs").json()["total"] == 0


def test_line_breaks_and_tabs_are_kept_where_text_has_lines(client: TestClient) -> None:
    org_id = add_org(client, COMPANY, "enterprise")
    text = "第一，金属双极板腐蚀严重；\n第二，\t接触电阻升高。\r\n需要耐腐蚀导电涂层。"

    sent = client.post("/api/v1/needs", json=_need(org_id, description=text))

    assert sent.status_code == 201, sent.text
    assert sent.json()["description"] == text


def test_other_kinds_and_organizations_refuse_them_too(client: TestClient) -> None:
    org_id = add_org(client, "同济大学", "university")

    achievement = client.post(
        "/api/v1/achievements",
        json={
            "org_id": org_id,
            "title": "氢燃料电池\x1b催化剂",
            "abstract": "低铂催化剂，活性高，耐久性好，适合车用燃料电池。",
            "industry_field": "hydrogen_storage",
        },
    )
    expert = client.post(
        "/api/v1/experts",
        json={"org_id": org_id, "name": "王\x00教授", "expertise": "燃料电池催化剂与膜电极"},
    )
    org = client.patch(f"/api/v1/organizations/{org_id}", json={"contact_name": "李\u202e老师"})

    assert achievement.status_code == 422
    assert "标题：" in achievement.json()["message"]
    assert expert.status_code == 422
    assert "名称：" in expert.json()["message"]
    assert org.status_code == 422
    assert "联系人：" in org.json()["message"]


def test_registration_refuses_them_in_the_organization_name() -> None:
    with pytest.raises(ValidationError) as refused:
        Registration(
            username="newcomer",
            password="correct-horse-battery",
            display_name="王经理",
            org_name="海门\x07新注册科技有限公司",
            org_kind=OrgKind.ENTERPRISE,
        )

    assert "不可见的控制字符" in str(refused.value)


def test_an_import_keeps_the_good_rows_and_reports_the_one_with_a_control_character(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    bad = [COMPANY, "船用柴油机\x1b尾气脱硝催化剂", "现有脱硝催化剂低温活性不足，需要高活性催化剂。",
           "船舶海工", "委托开发"]  # fmt: skip
    csv = "\n".join(",".join(row) for row in [HEADER, ROWS[0], bad, ROWS[1]]).encode()

    with factory() as session:
        report = import_file(session, csv, "导入.csv", Kind.NEEDS)
        sheet = error_workbook(Kind.NEEDS, report.errors)
        session.commit()

    assert report.created == 2
    assert [e.row for e in report.errors] == [3]
    assert "需求名称" in report.errors[0].message or "标题" in report.errors[0].message
    assert "U+001B" in report.errors[0].message
    ws = load_workbook(io.BytesIO(sheet)).worksheets[0]
    assert ws.cell(row=2, column=3).value == "船用柴油机尾气脱硝催化剂"
