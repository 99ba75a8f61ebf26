"""The downloadable import template: headers, drop-downs, instructions, and it imports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import CooperationMode, IndustryField, Kind, Maturity
from matchmaking.importing.columns import COLUMNS, known_fields
from matchmaking.importing.service import SCHEMAS, import_file
from matchmaking.importing.template import template_workbook
from matchmaking.models import Achievement, Expert, Need
from tests.importing.conftest import COMPANY, UNIVERSITY, Orgs, count, edit_first_sheet


def dropdown_values(data: bytes, header: str) -> list[str]:
    """The values offered by the drop-down on the data-sheet column headed ``header``."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    letter = next(c.column_letter for c in ws[1] if c.value == header)
    for validation in ws.data_validations.dataValidation:
        if any(f"{letter}2" in str(r) for r in validation.sqref.ranges):
            assert validation.type == "list"
            target = wb.defined_names[validation.formula1].attr_text
            sheet, cells = target.split("!")
            return [
                row[0].value for row in wb[sheet.strip("'")][cells.replace("$", "")] if row[0].value
            ]
    raise AssertionError(f"no drop-down on {header}")


def test_needs_template_has_marked_headers_dropdowns_and_instructions() -> None:
    data = template_workbook(Kind.NEEDS)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["技术需求", "填写说明"]
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers[:4] == ["编号", "单位*", "需求名称*", "需求描述*"]
    assert {"行业领域*", "合作方式*", "预算（万元）", "截止日期", "联系人"} <= set(headers)
    assert wb.worksheets[0].max_row == 2  # the header and one example row

    assert dropdown_values(data, "行业领域*") == [f.label for f in IndustryField]
    assert dropdown_values(data, "合作方式*") == [m.label for m in CooperationMode]

    help_rows = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    by_column = {row[0]: row for row in help_rows if row[0] in headers}
    assert set(by_column) == set(headers)  # every column is explained
    assert by_column["需求名称*"][2] == "必填"
    assert by_column["技术指标"][2] == "选填"
    assert "新材料" in by_column["行业领域*"][4]
    assert "2027-06-30" in by_column["截止日期"][3]  # the date format, by example


def test_achievements_template_offers_maturity_labels() -> None:
    data = template_workbook(Kind.ACHIEVEMENTS)
    assert dropdown_values(data, "成熟度*") == [m.label for m in Maturity]


def test_template_columns_are_exactly_what_the_importer_reads() -> None:
    # A column the template lacks could not be imported; one the importer ignores
    # would be a trap in the template.
    for kind, (create, _) in SCHEMAS.items():
        assert known_fields(kind) == (set(create.model_fields) - {"org_id"}) | {
            "organization",
            "status",
        }
        assert len({c.header for c in COLUMNS[kind]}) == len(COLUMNS[kind])


@pytest.mark.parametrize(
    ("kind", "org", "model"),
    [
        (Kind.NEEDS, COMPANY, Need),
        (Kind.ACHIEVEMENTS, UNIVERSITY, Achievement),
        (Kind.EXPERTS, UNIVERSITY, Expert),
    ],
)
def test_filled_in_template_imports_cleanly(
    factory: sessionmaker[Session], registered: Orgs, kind: Kind, org: str, model: type
) -> None:
    # Given the template with the example row turned into a real one
    filled = edit_first_sheet(
        template_workbook(kind),
        {"B2": org, "C2": "燃料电池双极板涂层技术" if kind != Kind.EXPERTS else "林书远"},
    )
    # When it is imported
    with factory() as session:
        report = import_file(session, filled, "模板.xlsx", kind)
        session.commit()
    # Then the row is created with the codes behind the Chinese labels
    assert report.errors == []
    assert (report.created, report.updated) == (1, 0)
    with factory() as session:
        item = session.scalars(select(model)).one()
        if kind is Kind.EXPERTS:
            assert item.fields == "hydrogen_storage;new_materials"
        else:
            assert item.industry_field == "hydrogen_storage"
        assert item.external_id is not None


def test_untouched_example_row_is_not_imported(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # Even when the organization is right, a forgotten example never becomes a need.
    data = edit_first_sheet(template_workbook(Kind.NEEDS), {"B2": COMPANY})
    with factory() as session:
        report = import_file(session, data, "模板.xlsx", Kind.NEEDS)
        session.commit()
    assert report.created == 0
    assert [e.row for e in report.errors] == [2]
    assert "示例" in report.errors[0].message
    assert count(factory, Need) == 0
