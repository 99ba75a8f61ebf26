"""Importing CSV and Excel files: good rows kept, bad rows reported, re-import updates."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.permissions import Scope
from matchmaking.enums import Kind, OrgKind
from matchmaking.exceptions import InvalidInput
from matchmaking.importing import tables
from matchmaking.importing.service import import_rows
from matchmaking.models import Achievement, Expert, Need
from matchmaking.organizations import service as orgs
from matchmaking.organizations.schemas import OrganizationCreate
from matchmaking.towns import service as towns
from tests.conftest import InlineDispatcher

HEADER = [
    "单位",
    "需求名称",
    "需求描述",
    "技术指标",
    "行业领域",
    "预算（万元）",
    "合作方式",
    "截止日期",
]
GOOD = [
    "海门氢能动力科技有限公司",
    "燃料电池双极板耐腐蚀涂层",
    "金属双极板腐蚀严重，需要耐腐蚀导电涂层，接触电阻低。",
    "接触电阻≤10mΩ·cm²",
    "氢能与新型储能",  # the Chinese label is accepted as well as the code
    "120",
    "合作开发",
    "2027-06-30",
]


@pytest.fixture
def company(factory: sessionmaker[Session], dispatcher: InlineDispatcher) -> int:
    with factory() as session:
        org = orgs.create(
            session, OrganizationCreate(name="海门氢能动力科技有限公司", kind=OrgKind.ENTERPRISE)
        )
        orgs.create(session, OrganizationCreate(name="同济大学", kind=OrgKind.UNIVERSITY))
        session.commit()
        return org.id


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(r) for r in rows).encode(encoding)


def run(factory: sessionmaker[Session], kind: Kind, data: bytes, name: str):  # noqa: ANN201
    rows = tables.read_table(data, name, kind.value)
    with factory() as session:
        report = import_rows(session, kind, rows)
        session.commit()
    return report


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_bad_rows_are_reported_and_good_rows_kept(
    factory: sessionmaker[Session], company: int
) -> None:
    rows: list[list[object]] = [
        HEADER,
        GOOD,
        [
            "不存在的公司",
            "某需求标题",
            "描述足够长的需求描述文字。",
            "",
            "新材料",
            "10",
            "合作开发",
            "",
        ],
        [
            GOOD[0],
            "第二个需求标题",
            "描述足够长的需求描述文字。",
            "",
            "造火箭",
            "10",
            "合作开发",
            "",
        ],
        [GOOD[0], "第三个需求标题", "短", "", "新材料", "-5", "合作开发", "明年"],
        [
            GOOD[0],
            "船舶压载水处理",
            "压载水处理装置能耗高，需要低能耗方案。",
            "",
            "船舶海工",
            "",
            "委托开发",
            "",
        ],  # noqa: E501
    ]
    report = run(factory, Kind.NEEDS, xlsx(rows), "needs.xlsx")
    assert report.total == 5
    assert report.created == 2
    errors = {e.row: e.message for e in report.errors}
    assert set(errors) == {3, 4, 5}  # numbered as Excel shows them (header is row 1)
    assert "不存在的公司" in errors[3]
    assert "尚未登记" in errors[3]
    assert "造火箭" in errors[4]
    assert "行业领域" in errors[4]
    assert "需求描述" in errors[5] or "描述" in errors[5]
    assert "预算" in errors[5]
    assert count(factory, Need) == 2


def test_reimport_updates_instead_of_duplicating(
    factory: sessionmaker[Session], company: int
) -> None:
    first = run(factory, Kind.NEEDS, csv_bytes([HEADER, GOOD]), "needs.csv")
    assert first.created == 1
    changed = [*GOOD]
    changed[5] = "300"
    second = run(factory, Kind.NEEDS, csv_bytes([HEADER, changed]), "needs.csv")
    assert (second.created, second.updated) == (0, 1)
    assert count(factory, Need) == 1
    with factory() as session:
        need = session.scalars(select(Need)).one()
        assert float(need.budget_wan) == 300


def test_gbk_csv_from_excel_is_read(factory: sessionmaker[Session], company: int) -> None:
    report = run(factory, Kind.NEEDS, csv_bytes([HEADER, GOOD], "gb18030"), "needs.csv")
    assert report.created == 1
    assert not report.errors


def test_achievements_and_experts_import(factory: sessionmaker[Session], company: int) -> None:
    ach = [
        ["单位", "成果名称", "成果简介", "行业领域", "成熟度", "技术就绪度", "专利号", "合作方式"],
        ["同济大学", "双极板碳基涂层", "燃料电池金属双极板碳基复合导电涂层技术。", "hydrogen_storage",
         "中试", "6", "ZL202110345678.3", "技术许可"],
        ["同济大学", "错误专利号成果", "一种新型的涂层制备方法及其应用。", "hydrogen_storage",
         "中试", "6", "ZL202110345678.9", "技术许可"],
    ]  # fmt: skip
    report = run(factory, Kind.ACHIEVEMENTS, xlsx(ach), "ach.xlsx")
    assert report.created == 1
    assert [e.row for e in report.errors] == [3]
    assert "专利号" in report.errors[0].message
    experts = [
        ["单位", "姓名", "职称", "擅长领域", "研究方向"],
        ["同济大学", "林书远", "教授", "氢能与新型储能;新材料", "燃料电池膜电极与双极板研究。"],
    ]
    report = run(factory, Kind.EXPERTS, csv_bytes(experts), "experts.csv")
    assert report.created == 1
    with factory() as session:
        expert = session.scalars(select(Expert)).one()
        assert expert.fields == "hydrogen_storage;new_materials"
    assert count(factory, Achievement) == 1


def test_imported_items_get_vectors(
    factory: sessionmaker[Session], company: int, dispatcher: InlineDispatcher
) -> None:
    run(factory, Kind.NEEDS, csv_bytes([HEADER, GOOD]), "needs.csv")
    with factory() as session:
        need = session.scalars(select(Need)).one()
    assert ("embeddings.embed", ("needs", [need.id])) in dispatcher.sent
    assert need.embedding_status == "ready"


def test_renamed_file_that_is_not_excel_is_refused() -> None:
    with pytest.raises(InvalidInput, match="不是 Excel"):
        tables.read_table(b"%PDF-1.7 not a spreadsheet", "needs.xlsx", "needs")


def test_oversized_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="超过"):
        tables.read_table(b"a" * (tables.MAX_BYTES + 1), "needs.csv", "needs")


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_UNPACKED", 10_000)  # the real limit is 200 MB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", b"\0" * 20_000)
    with pytest.raises(InvalidInput, match="解压后过大"):
        tables.read_table(buf.getvalue(), "needs.xlsx", "needs")


def test_empty_file_says_what_is_expected() -> None:
    with pytest.raises(InvalidInput, match="表头"):
        tables.read_table(b"", "needs.csv", "needs")


def test_staff_of_one_town_import_only_that_towns_organizations(
    factory: sessionmaker[Session], dispatcher: InlineDispatcher
) -> None:
    with factory() as session:
        for name, town in (
            ("正余镇的企业有限公司", "正余镇"),
            ("三厂街道的企业有限公司", "三厂街道"),
        ):
            orgs.create(session, OrganizationCreate(name=name, kind=OrgKind.ENTERPRISE, town=town))
        session.commit()
    row = {
        "description": "高速电机转子温升过高，需要新的冷却结构设计方案。",
        "industry_field": "nev",
        "cooperation_mode": "joint_development",
    }
    rows = [
        {**row, "organization": "正余镇的企业有限公司", "title": "电机冷却结构优化"},
        {**row, "organization": "三厂街道的企业有限公司", "title": "电机冷却结构设计"},
    ]
    with factory() as session:
        zhengyu = towns.resolve(session, "正余镇")
        scope = Scope(town_id=zhengyu, town="正余镇")
        report = import_rows(session, Kind.NEEDS, rows, scope=scope)
        session.commit()
    assert report.created == 1
    assert [e.row for e in report.errors] == [3]
    assert "不在您负责的区镇（正余镇）范围内" in report.errors[0].message


def test_every_error_of_a_row_is_reported_in_chinese(
    factory: sessionmaker[Session], company: int
) -> None:
    """One row with five problems: all five are reported, none with an English code."""
    rows: list[list[object]] = [
        HEADER,
        ["不存在的公司", "某需求标题", "短", "", "造火箭", "-5", "物物交换", "明年"],
        [GOOD[0], "标" * 5000, "描述足够长的需求描述文字。", "", "新材料", "", "合伙", ""],
    ]
    report = run(factory, Kind.NEEDS, xlsx(rows), "needs.xlsx")
    assert report.created == 0
    errors = {e.row: e.message for e in report.errors}
    first = errors[2]
    for part in ("尚未登记", "行业领域", "造火箭", "合作方式", "物物交换", "预算", "截止日期"):
        assert part in first, (part, first)
    # The choices are listed by their Chinese labels only.
    assert "船舶海工" in first
    assert "技术转让" in first
    for message in errors.values():
        codes = ("ship_offshore", "joint_development", "new_materials")
        assert not any(code in message for code in codes)
        assert "Input should" not in message
        assert "enum" not in message
    assert "合伙" in errors[3]
    assert "标题" in errors[3]
    assert count(factory, Need) == 0
