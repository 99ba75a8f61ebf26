"""Excel export: the template's columns, filters applied, contacts hidden, re-importable."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.common.filters import ItemFilters
from matchmaking.enums import Kind
from matchmaking.exporting.service import export_workbook
from matchmaking.importing.columns import columns
from matchmaking.importing.service import import_file
from matchmaking.models import Achievement, Expert, Need, Organization
from matchmaking.towns import service as towns
from tests.conftest import InlineDispatcher
from tests.importing.conftest import COMPANY, OTHER_COMPANY, UNIVERSITY, Orgs, count, xlsx

NEED_HEADER = ["编号", "单位", "需求名称", "需求描述", "技术指标", "行业领域", "预算（万元）",
               "合作方式", "截止日期", "联系人", "状态"]  # fmt: skip
NEEDS = [
    ["XQ-1", COMPANY, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
     "接触电阻≤10mΩ·cm²", "氢能与新型储能", "120.5", "合作开发", "2099-06-30", "张工", ""],
    ["", COMPANY, "储氢罐碳纤维缠绕工艺优化", "IV型储氢瓶碳纤维用量大，需要优化缠绕工艺。",
     "", "氢能与新型储能", "", "委托开发", "", "李工", ""],
    ["", OTHER_COMPANY, "船舶压载水处理低能耗方案", "压载水处理装置能耗高，需要低能耗方案。",
     "能耗降低30%", "船舶海工", "300", "技术转让", "", "王工", ""],
    ["", OTHER_COMPANY, "已经解决的旧需求标题", "这个需求已经解决，不应出现在默认导出中。",
     "", "船舶海工", "", "技术咨询", "", "", "已解决"],
]  # fmt: skip


def load(factory: sessionmaker[Session], kind: Kind, rows: list[list[object]]) -> None:
    with factory() as session:
        report = import_file(session, xlsx(rows), "导入.xlsx", kind)
        session.commit()
    assert report.errors == [], report.errors


def sheet_rows(data: bytes) -> list[dict[str, object]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def export(factory: sessionmaker[Session], kind: Kind, **kwargs: object) -> bytes:
    with factory() as session:
        return export_workbook(session, kind, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def needs(factory: sessionmaker[Session], registered: Orgs) -> None:
    with factory() as session:
        other = session.get(Organization, registered.other_company)
        assert other is not None
        other.town_id = towns.resolve(session, "海门街道")
        session.commit()
    load(factory, Kind.NEEDS, [NEED_HEADER, *NEEDS])


def test_needs_export_has_template_columns_without_contacts(
    factory: sessionmaker[Session], needs: None
) -> None:
    data = export(factory, Kind.NEEDS)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == [c.heading for c in columns(Kind.NEEDS) if c.field != "contact_name"]
    rows = sheet_rows(data)
    # Published needs only, as the list shows them; labels, not codes
    assert [r["需求名称*"] for r in rows] == [n[2] for n in NEEDS[:3]]
    first = rows[0]
    assert first["行业领域*"] == "氢能与新型储能"
    assert first["合作方式*"] == "合作开发"
    assert first["预算（万元）"] == 120.5
    assert first["状态"] == "征集中"
    assert first["编号"] == "XQ-1"
    # No contact person anywhere in the file
    text = repr([[c.value for c in row] for row in ws.iter_rows()])
    assert "张工" not in text
    assert "王工" not in text


def test_staff_export_includes_contacts(factory: sessionmaker[Session], needs: None) -> None:
    with factory() as session:
        org = session.scalars(select(Organization).where(Organization.name == COMPANY)).one()
        org.contact_phone = "0513-12345678"
        session.commit()
    rows = sheet_rows(export(factory, Kind.NEEDS, include_contacts=True))
    assert rows[0]["联系人"] == "张工"
    assert rows[0]["联系电话"] == "0513-12345678"
    assert rows[2]["联系电话"] in ("", None)


def test_filters_apply_to_the_export(factory: sessionmaker[Session], needs: None) -> None:
    by_field = sheet_rows(
        export(factory, Kind.NEEDS, filters=ItemFilters(industry_field="ship_offshore"))
    )
    assert [r["需求名称*"] for r in by_field] == ["船舶压载水处理低能耗方案"]
    by_town = sheet_rows(export(factory, Kind.NEEDS, filters=ItemFilters(town="三厂街道")))
    assert {r["单位*"] for r in by_town} == {COMPANY}
    with_closed = sheet_rows(export(factory, Kind.NEEDS, include_closed=True))
    assert {r["状态"] for r in with_closed} == {"征集中", "已解决"}


def test_exported_needs_import_back_as_updates(
    factory: sessionmaker[Session], needs: None, dispatcher: InlineDispatcher
) -> None:
    before = count(factory, Need)
    sent = len(dispatcher.sent)
    data = export(factory, Kind.NEEDS, include_closed=True)
    with factory() as session:
        report = import_file(session, data, "需求导出.xlsx", Kind.NEEDS)
        session.commit()
    assert report.errors == []
    assert (report.created, report.updated) == (0, 4)
    assert count(factory, Need) == before == 4
    # Nothing changed: no text to embed again, contacts (not exported) kept, status kept
    assert len(dispatcher.sent) == sent
    with factory() as session:
        need = session.scalars(select(Need).where(Need.external_id == "XQ-1")).one()
        assert (need.contact_name, float(need.budget_wan or 0)) == ("张工", 120.5)
        assert str(need.deadline) == "2099-06-30"
        assert session.scalars(select(Need.status).order_by(Need.id)).all()[-1] == "solved"


def test_achievements_and_experts_round_trip(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    load(factory, Kind.ACHIEVEMENTS, [
        ["单位", "成果名称", "成果简介", "行业领域", "成熟度", "技术就绪度", "专利号",
         "合作方式", "价格（万元）"],
        [UNIVERSITY, "双极板碳基涂层", "燃料电池金属双极板碳基复合导电涂层技术。",
         "氢能与新型储能", "中试", "6", "ZL202110345678.3", "技术许可", "80"],
    ])  # fmt: skip
    load(factory, Kind.EXPERTS, [
        ["单位", "姓名", "职称", "擅长领域", "研究方向"],
        [UNIVERSITY, "林书远", "教授", "氢能与新型储能;新材料", "燃料电池膜电极与双极板研究。"],
    ])  # fmt: skip
    ach = sheet_rows(export(factory, Kind.ACHIEVEMENTS))
    assert (ach[0]["成熟度*"], ach[0]["技术就绪度"], ach[0]["价格（万元）"]) == ("中试", 6, 80)
    experts = sheet_rows(export(factory, Kind.EXPERTS))
    assert experts[0]["擅长领域*"] == "氢能与新型储能;新材料"
    for kind, model in ((Kind.ACHIEVEMENTS, Achievement), (Kind.EXPERTS, Expert)):
        with factory() as session:
            report = import_file(session, export(factory, kind), "导出.xlsx", kind)
            session.commit()
        assert (report.created, report.updated, report.errors) == (0, 1, [])
        assert count(factory, model) == 1
