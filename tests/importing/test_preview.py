"""Preview of an upload: column mapping, parsed rows, failing rows, and nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import Kind
from matchmaking.exceptions import InvalidInput
from matchmaking.importing.service import import_file, preview
from matchmaking.models import IndexChange, Need
from tests.conftest import InlineDispatcher
from tests.importing.conftest import COMPANY, OTHER_COMPANY, Orgs, count, xlsx

HEADER = ["单位", "需求名称*", "需求描述", "行业领域", "合作方式", "预算（万元）", "备注"]
GOOD = [COMPANY, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
        "氢能与新型储能", "合作开发", "120", "内部备注"]  # fmt: skip
SECOND = [COMPANY, "船舶压载水处理低能耗方案", "压载水处理装置能耗高，需要低能耗方案。",
          "船舶海工", "委托开发", "", ""]  # fmt: skip
BAD_FIELD = [COMPANY, "第二个需求标题", "描述足够长的需求描述文字。", "造火箭", "合作开发", "", ""]


def test_preview_maps_columns_lists_errors_and_writes_nothing(
    factory: sessionmaker[Session], registered: Orgs, dispatcher: InlineDispatcher
) -> None:
    # Given a file with a blank row in the middle and a column the importer does not know
    data = xlsx([HEADER, GOOD, [], BAD_FIELD, SECOND])
    with factory() as session:
        result = preview(session, data, "需求.xlsx", Kind.NEEDS)
        session.commit()  # even if the page commits afterwards
    mapping = {c.header: (c.field, c.label) for c in result.columns}
    assert mapping["单位"] == ("organization", "单位")
    assert mapping["需求名称*"] == ("title", "需求名称")
    assert mapping["预算（万元）"] == ("budget_wan", "预算（万元）")
    assert mapping["备注"] == (None, "未识别")
    assert result.missing == []
    assert result.total == 3
    assert [r.row for r in result.sample] == [2, 4, 5]  # as Excel numbers them
    assert result.sample[0].values["title"] == GOOD[1]
    assert "备注" not in result.sample[0].values
    assert [(e.row, "造火箭" in e.message) for e in result.errors] == [(4, True)]
    assert (result.would_create, result.would_update) == (2, 0)
    # Nothing was written, nothing was sent to the worker
    assert count(factory, Need) == 0
    assert count(factory, IndexChange) == 0
    assert dispatcher.sent == []


def test_preview_agrees_with_the_import(factory: sessionmaker[Session], registered: Orgs) -> None:
    duplicate = [*GOOD]
    duplicate[5] = "200"  # the same need twice in one file: the second updates the first
    data = xlsx([HEADER, GOOD, BAD_FIELD, duplicate, SECOND])
    with factory() as session:
        seen = preview(session, data, "需求.xlsx", Kind.NEEDS)
        done = import_file(session, data, "需求.xlsx", Kind.NEEDS)
        session.commit()
    assert (seen.would_create, seen.would_update) == (done.created, done.updated) == (2, 1)
    assert [(e.row, e.message) for e in seen.errors] == [(e.row, e.message) for e in done.errors]
    assert count(factory, Need) == 2


def test_preview_names_missing_required_columns(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    data = xlsx([["单位", "需求名称", "需求描述"], GOOD[:3]])
    with factory() as session:
        result = preview(session, data, "需求.xlsx", Kind.NEEDS)
    assert result.missing == ["行业领域*", "合作方式*"]
    assert result.errors[0].row == 2
    assert "行业领域" in result.errors[0].message


def test_forced_organization_assigns_rows_and_refuses_another_one(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # An enterprise user imports into their own organization: an empty “单位” is
    # theirs, another company's name is refused.
    no_org = ["", *GOOD[1:]]
    other = [OTHER_COMPANY, *SECOND[1:]]
    data = xlsx([HEADER, no_org, other])
    with factory() as session:
        seen = preview(session, data, "需求.xlsx", Kind.NEEDS, org_id=registered.company)
        report = import_file(session, data, "需求.xlsx", Kind.NEEDS, org_id=registered.company)
        session.commit()
    assert seen.would_create == report.created == 1
    assert [e.row for e in report.errors] == [3]
    assert OTHER_COMPANY in report.errors[0].message
    assert "本单位" in report.errors[0].message
    with factory() as session:
        assert session.scalars(select(Need.org_id)).all() == [registered.company]


def test_zip_that_is_not_a_workbook_renamed_to_xlsx_is_refused(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # A .docx (or any zip) renamed to .xlsx is refused with a message saying so.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    with factory() as session, pytest.raises(InvalidInput, match="不是有效的 Excel"):
        preview(session, buf.getvalue(), "需求.xlsx", Kind.NEEDS)


def test_text_file_renamed_to_xlsx_is_refused(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    data = "单位,需求名称\n海门,某需求\n".encode()
    with factory() as session, pytest.raises(InvalidInput, match="内容不是 Excel"):
        preview(session, data, "需求.xlsx", Kind.NEEDS)
