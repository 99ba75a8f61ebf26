"""The rows that failed come back as a sheet to fix; fixed, they import."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import Kind
from matchmaking.importing.columns import columns
from matchmaking.importing.service import import_file
from matchmaking.importing.template import error_workbook, template_workbook
from matchmaking.models import Achievement, Need
from tests.importing.conftest import COMPANY, UNIVERSITY, Orgs, count, xlsx

HEADER = ["单位", "需求名称", "需求描述", "行业领域", "合作方式", "截止日期"]
ROWS = [
    [COMPANY, "燃料电池双极板耐腐蚀涂层", "金属双极板腐蚀严重，需要耐腐蚀导电涂层。",
     "氢能与新型储能", "合作开发", "2027-06-30"],
    [COMPANY, "第二个需求标题", "描述足够长的需求描述文字。", "造火箭", "合作开发", ""],
    [COMPANY, "船舶压载水处理低能耗方案", "=HYPERLINK(\"http://x\")太短", "船舶海工",
     "委托开发", "明年"],
]  # fmt: skip


def csv_file(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def test_failed_rows_come_back_with_reasons_and_import_once_fixed(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    # Given a CSV where two of three rows fail
    with factory() as session:
        report = import_file(session, csv_file([HEADER, *ROWS]), "需求.csv", Kind.NEEDS)
        session.commit()
    assert report.created == 1
    assert [e.row for e in report.errors] == [3, 4]

    # When the error sheet is downloaded
    sheet = error_workbook(Kind.NEEDS, report.errors)
    wb = load_workbook(io.BytesIO(sheet))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    template_headers = [c.value for c in load_workbook(io.BytesIO(template_workbook(Kind.NEEDS)))
                        .worksheets[0][1]]  # fmt: skip
    assert headers == [*template_headers, "错误原因"]
    col = {h: i for i, h in enumerate(headers)}
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 2
    # Then each failed row is there with its values as typed and the reason
    assert rows[0][col["行业领域*"]] == "造火箭"
    assert rows[0][col["错误原因"]].startswith("第 3 行")
    assert "行业领域" in rows[0][col["错误原因"]]
    assert rows[1][col["截止日期"]] == "明年"
    assert "日期" in rows[1][col["错误原因"]]
    # A cell that looks like a formula stays text: nothing runs when it is opened
    formula_like = ws.cell(row=3, column=col["需求描述*"] + 1)
    assert formula_like.data_type in ("s", "inlineStr")  # not "f", a formula
    assert formula_like.value.startswith("=HYPERLINK")

    # When the user fixes the bad cells and uploads the sheet again
    ws.cell(row=2, column=col["行业领域*"] + 1, value="新材料")
    ws.cell(row=3, column=col["需求描述*"] + 1, value="压载水处理装置能耗高，需要低能耗方案。")
    ws.cell(row=3, column=col["截止日期"] + 1, value="2027-12-31")
    buf = io.BytesIO()
    wb.save(buf)
    with factory() as session:
        again = import_file(session, buf.getvalue(), "需求-出错行.xlsx", Kind.NEEDS)
        session.commit()
    # Then every row imports, and the 错误原因 column is ignored
    assert again.errors == []
    assert again.created == 2
    assert count(factory, Need) == 3


def test_error_sheet_for_achievements_uses_their_columns(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    header = ["单位", "成果名称", "成果简介", "行业领域", "成熟度", "专利号", "合作方式"]
    bad = [UNIVERSITY, "错误专利号成果", "一种新型的涂层制备方法及其应用。", "新材料", "中试",
           "ZL202110345678.9", "技术许可"]  # fmt: skip
    with factory() as session:
        report = import_file(session, xlsx([header, bad]), "成果.xlsx", Kind.ACHIEVEMENTS)
        session.commit()
    ws = load_workbook(io.BytesIO(error_workbook(Kind.ACHIEVEMENTS, report.errors))).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:-1] == [c.heading for c in columns(Kind.ACHIEVEMENTS)]
    row = {h: c.value for h, c in zip(headers, ws[2], strict=True)}
    assert row["专利号"] == "ZL202110345678.9"
    assert "校验位" in row["错误原因"]
    assert count(factory, Achievement) == 0
