"""Excel workbooks for importing: the blank template and the sheet of rows to fix.

Both use the columns of :mod:`matchmaking.importing.columns`, so whatever is
filled into them imports back through :func:`import_rows`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from matchmaking.common.validation import KIND_NOUNS
from matchmaking.enums import Kind
from matchmaking.importing.columns import EXAMPLE_MARK, Column, columns
from matchmaking.importing.service import RowError

DATA_SHEET = {Kind.NEEDS: "技术需求", Kind.ACHIEVEMENTS: "科技成果", Kind.EXPERTS: "专家"}
HELP_SHEET = "填写说明"
LISTS_SHEET = "可选值"
ERROR_HEADER = "错误原因"
# Drop-downs cover this many data rows (a district's yearly list is ~100 needs).
VALIDATED_ROWS = 2000

EXAMPLES: dict[Kind, dict[str, str]] = {
    Kind.NEEDS: {
        "external_id": "XQ-2026-001",
        "organization": "海门示例科技有限公司",
        "title": f"{EXAMPLE_MARK}燃料电池金属双极板耐腐蚀涂层",
        "description": "金属双极板在酸性环境中腐蚀严重，需要一种耐腐蚀、导电性好的涂层。",
        "indicators": "接触电阻≤10mΩ·cm²；腐蚀电流≤1μA/cm²",
        "industry_field": "氢能与新型储能",
        "budget_wan": "120",
        "cooperation_mode": "合作开发",
        "deadline": "2027-06-30",
        "contact_name": "张工",
        "status": "征集中",
    },
    Kind.ACHIEVEMENTS: {
        "external_id": "CG-2026-001",
        "organization": "示例大学",
        "title": f"{EXAMPLE_MARK}双极板碳基复合导电涂层",
        "abstract": "燃料电池金属双极板碳基复合导电涂层制备技术，耐腐蚀且接触电阻低。",
        "keywords": "双极板;导电涂层;燃料电池",
        "industry_field": "氢能与新型储能",
        "maturity": "中试",
        "trl": "6",
        "patent_numbers": "ZL202110345678.3",
        "cooperation_mode": "技术许可",
        "price_wan": "80",
        "team_leader": "李教授",
        "status": "已发布",
    },
    Kind.EXPERTS: {
        "external_id": "ZJ-2026-001",
        "organization": "示例大学",
        "name": f"{EXAMPLE_MARK}林书远",
        "title": "教授",
        "fields": "氢能与新型储能;新材料",
        "expertise": "燃料电池膜电极与金属双极板研究，主持多项国家重点研发计划项目。",
        "availability": "每月第一周",
        "status": "已发布",
    },
}

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="C0392B")
_OPTIONAL_FILL = PatternFill("solid", fgColor="2E6DA4")
_EXAMPLE_FONT = Font(italic=True, color="808080")
_ERROR_FILL = PatternFill("solid", fgColor="FCE4E4")


def _write_header(ws: Worksheet, cols: Sequence[Column], extra: Iterable[str] = ()) -> None:
    headings = [c.heading for c in cols] + list(extra)
    ws.append(headings)
    for index, column in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        ws.column_dimensions[get_column_letter(index)].width = column.width
    for index in range(len(cols) + 1, len(headings) + 1):
        ws.cell(row=1, column=index).font = Font(bold=True, color="C0392B")
        ws.column_dimensions[get_column_letter(index)].width = 40
    ws.freeze_panes = "A2"


def _add_validations(wb: Workbook, ws: Worksheet, cols: Sequence[Column]) -> None:
    """Drop-downs for the controlled vocabularies, their labels listed on a hidden sheet."""
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    used = 0
    for index, column in enumerate(cols, start=1):
        if column.choices is None:
            continue
        labels = [m.label for m in column.choices]
        used += 1
        list_col = get_column_letter(used)
        lists[f"{list_col}1"] = column.header
        for offset, label in enumerate(labels, start=2):
            lists[f"{list_col}{offset}"] = label
        name = f"list_{column.field}"
        ref = f"'{LISTS_SHEET}'!${list_col}$2:${list_col}${len(labels) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        validation = DataValidation(
            type="list",
            formula1=name,
            allow_blank=not column.required,
            showErrorMessage=True,
            # Several fields separated by ";" are not in the list: warn, do not refuse.
            errorStyle="warning" if column.multiple else "stop",
            errorTitle="取值无效",
            error=f"请从下拉列表中选择：{column.allowed()}",
            promptTitle=column.header,
            prompt=column.fmt[:255],
            showInputMessage=True,
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")
        ws.add_data_validation(validation)


def _write_help(wb: Workbook, kind: Kind, cols: Sequence[Column]) -> None:
    ws = wb.create_sheet(HELP_SHEET)
    noun = KIND_NOUNS[kind.value]
    notes = [
        f"{noun}导入模板填写说明",
        f"1. 在“{DATA_SHEET[kind]}”工作表中填写，每行一条{noun}；第 1 行为表头，请勿修改。",
        f"2. 第 2 行是示例（名称以“{EXAMPLE_MARK}”开头），请改为真实内容或删除，否则该行不会导入。",
        "3. 表头带 * 的列为必填；带下拉列表的列请从列表中选择。",
        "4. 再次导入同一文件时按“编号”或“单位 + 名称”识别同一条记录，会更新而不会重复创建。",
        "5. 导入前可预览：出错的行会列出行号和原因，可下载出错行修改后重新导入。",
        "6. 文件格式为 .xlsx 或 .csv，大小不超过 20 MB。",
    ]
    for line in notes:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["列名", "含义", "是否必填", "格式要求", "可选值"])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = _HEADER_FONT
        cell.fill = _OPTIONAL_FILL
    for column in cols:
        ws.append(
            [
                column.heading,
                column.meaning,
                "必填" if column.required else "选填",
                column.fmt,
                column.allowed(),
            ]
        )
    for letter, width in zip("ABCDE", (16, 36, 10, 40, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def append_row(ws: Worksheet, values: Sequence[object]) -> None:
    """Append a row; text that looks like a formula stays text (no formula injection)."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def blank_workbook(kind: Kind, cols: Sequence[Column], extra: Iterable[str] = ()) -> Workbook:
    """Data sheet with the headers and drop-downs, then 填写说明 (used by exports too)."""
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook has one sheet
    ws.title = DATA_SHEET[kind]
    _write_header(ws, cols, extra)
    _write_help(wb, kind, cols)  # the second sheet; the hidden lists come last
    _add_validations(wb, ws, cols)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook(kind: Kind) -> bytes:
    """The import template for ``kind`` (.xlsx): data sheet with one example row, and 填写说明."""
    cols = columns(kind)
    wb = blank_workbook(kind, cols)
    ws = wb[DATA_SHEET[kind]]
    append_row(ws, [EXAMPLES[kind].get(c.field, "") for c in cols])
    for cell in ws[2]:
        cell.font = _EXAMPLE_FONT
    return workbook_bytes(wb)


def error_workbook(kind: Kind, errors: Sequence[RowError]) -> bytes:
    """The rows that failed, with their values as read plus 错误原因, to fix and upload again."""
    cols = columns(kind)
    wb = blank_workbook(kind, cols, extra=[ERROR_HEADER])
    ws = wb[DATA_SHEET[kind]]
    for error in sorted(errors, key=lambda e: e.row):
        values = [error.values.get(c.field, "") for c in cols]
        # The row may have failed for the control characters an .xlsx cannot hold.
        values = [ILLEGAL_CHARACTERS_RE.sub("", v) for v in values]
        append_row(ws, [*values, f"第 {error.row} 行：{error.message}"])
        ws.cell(row=ws.max_row, column=len(cols) + 1).fill = _ERROR_FILL
    return workbook_bytes(wb)
