"""Reading CSV and XLSX tables into rows of strings, with Chinese or English headers."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from matchmaking.exceptions import InvalidInput

MAX_BYTES = 20 * 1024 * 1024
# A real .xlsx of MAX_BYTES never unpacks to more than this; a zip bomb does.
MAX_UNPACKED = 200 * 1024 * 1024
# A sheet may use this many rows (the header included) and columns. Only cells with a
# value count: a sheet's declared size (its <dimension> tag) is not believed, and blank
# rows are not kept in memory, so a few-KB file claiming A1:XFD1048576 costs nothing.
MAX_ROWS = 50_001
MAX_COLUMNS = 100
# No spreadsheet has more rows; the reader stops there even when only blank rows
# follow (a row attribute of r="2000000000" would otherwise yield 2e9 empty rows).
SHEET_ROWS = 1_048_576

log = logging.getLogger(__name__)

# Header aliases: what people put in the first row -> the field name.
ALIASES = {
    "单位": "organization",
    "单位名称": "organization",
    "所属单位": "organization",
    "企业": "organization",
    "企业名称": "organization",
    "高校院所": "organization",
    "需求名称": "title",
    "成果名称": "title",
    "标题": "title",
    "名称": "title",
    "需求描述": "description",
    "描述": "description",
    "问题描述": "description",
    "技术指标": "indicators",
    "行业领域": "industry_field",
    "领域": "industry_field",
    "预算": "budget_wan",
    "预算（万元）": "budget_wan",
    "预算(万元)": "budget_wan",
    "截止日期": "deadline",
    "合作方式": "cooperation_mode",
    "状态": "status",
    "联系人": "contact_name",
    "编号": "external_id",
    "外部编号": "external_id",
    "成果简介": "abstract",
    "简介": "abstract",
    "关键词": "keywords",
    "成熟度": "maturity",
    "技术就绪度": "trl",
    "trl": "trl",
    "专利号": "patent_numbers",
    "价格": "price_wan",
    "价格（万元）": "price_wan",
    "价格(万元)": "price_wan",
    "团队负责人": "team_leader",
    "负责人": "team_leader",
    "姓名": "name",
    "职称": "title",
    "擅长领域": "fields",
    "研究方向": "expertise",
    "专长": "expertise",
    "研究方向与专长": "expertise",
    "可服务时间": "availability",
}


# Templates mark required columns ("需求名称*"); people also write "（必填）".
REQUIRED_MARKS = ("*", "＊", "（必填）", "(必填)")


def normalise_header(raw: str, kind: str) -> str:
    text = (raw or "").strip().lstrip("\ufeff")
    for mark in REQUIRED_MARKS:
        text = text.removesuffix(mark).strip()
    key = text.lower()
    if kind == "experts" and text in ("名称", "姓名"):
        return "name"
    return ALIASES.get(text, ALIASES.get(key, key))


def _check_xlsx(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise InvalidInput("文件不是有效的 Excel（.xlsx）文件")
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED:
                raise InvalidInput("Excel 文件解压后过大，疑似异常文件，已拒绝")
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            "文件不是有效的 Excel（.xlsx）文件，请另存为 .xlsx 或 .csv 后再导入"
        ) from exc


@dataclass
class Sheet:
    """A table as read: the raw headers, the field each maps to, and the data rows.

    ``rows[i]`` is the file's row ``first_row + i`` as Excel numbers it; blank rows
    are kept (all values empty) so that row numbers stay true.
    """

    headers: list[str]
    fields: list[str | None]  # None: empty header, or a repeat of an earlier column
    rows: list[dict[str, str]]
    first_row: int


def read_sheet(data: bytes, filename: str, kind: str) -> Sheet:
    """Read the first sheet of an .xlsx or a CSV; the format is detected from the content."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后导入")
    suffix = Path(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        _check_xlsx(data)
        rows = _xlsx_rows(data)
    elif suffix == ".xlsx":
        raise InvalidInput("文件扩展名是 .xlsx，但内容不是 Excel 文件")
    else:
        rows = _csv_rows(data)
    blank = [not any(c.strip() for c in row) for row in rows]
    if all(blank):
        raise InvalidInput("文件是空的：第一行应为表头，从第二行开始是数据")
    top = blank.index(False)
    end = len(rows) - blank[::-1].index(False)
    headers = [("" if h is None else str(h)).strip() for h in rows[top]]
    fields: list[str | None] = []
    for raw in headers:
        name = normalise_header(raw, kind)
        fields.append(name if name and name not in fields else None)
    out = []
    for raw_row in rows[top + 1 : end]:
        values = [("" if v is None else str(v)).strip() for v in raw_row]
        values += [""] * (len(fields) - len(values))
        out.append({f: v for f, v in zip(fields, values, strict=False) if f})
    return Sheet(headers=headers, fields=fields, rows=out, first_row=top + 2)


def read_table(data: bytes, filename: str, kind: str) -> list[dict[str, str]]:
    """Rows as dicts of stripped strings, from the row after the header (blank rows kept)."""
    return read_sheet(data, filename, kind).rows


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("无法识别文件编码，请保存为 UTF-8 的 CSV 或 .xlsx")
    if "\x00" in text:
        raise InvalidInput("文件不是文本 CSV，也不是 Excel（.xlsx）文件")
    # Blank lines are kept: Excel shows a CSV's records one per row, blank ones too.
    try:
        return _collect(csv.reader(io.StringIO(text)), str)
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
        raise InvalidInput(
            "CSV 文件格式异常（单元格内容过长或引号不配对），无法读取；请另存为 .xlsx 后再导入"
        ) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            # The <dimension> tag is the file's claim, not a fact: believed, read-only
            # mode pads every row to its width and adds empty rows up to its height
            # (A1:CV1048576 with two cells took 58 s and 1 GB). Without it, rows come
            # as they are in the file; gaps are one shared empty tuple.
            ws.reset_dimensions()
            # One column past the limit is read, to tell a sheet that is too wide.
            # A cell further right is not read (as a column without a header is
            # ignored): reading it would mean building its whole row.
            cells = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
            return _collect(cells, _cell)
        finally:
            wb.close()
    except InvalidInput:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        # Anything else openpyxl, zipfile or the XML parser raise on a malformed file
        # (cut XML, an entity bomb, a bad CRC, a missing part) is the file's fault.
        log.info("unreadable .xlsx: %s: %s", type(exc).__name__, exc)
        raise InvalidInput(
            "Excel 文件已损坏或格式异常，无法读取；请用 Excel 打开后另存为 .xlsx 或 .csv 再导入"
        ) from exc


def _collect(rows: Iterable[Sequence[object]], text: Callable[[object], str]) -> list[list[str]]:
    """The rows as lists of strings, numbered as in the file, within the size limits.

    Blank rows are kept only between rows with values (so that row numbers stay
    true), never after the last one: a file of blank rows costs no memory.
    """
    out: list[list[str]] = []
    for number, row in enumerate(rows, start=1):
        if number > SHEET_ROWS:
            raise InvalidInput(f"表格超过 {SHEET_ROWS} 行，文件格式异常，无法导入")
        if row.count(None) == len(row):
            continue  # a gap between rows, or a row of empty cells: counted in C
        values = ["" if c is None else text(c) for c in row]
        while values and not values[-1].strip():
            values.pop()
        if not values:
            continue
        if number > MAX_ROWS:
            raise InvalidInput(
                f"表格超过 {MAX_ROWS - 1} 行数据（第 {number} 行仍有内容），"
                "请拆分成几个文件后分别导入"
            )
        if len(values) > MAX_COLUMNS:
            raise InvalidInput(
                f"表格超过 {MAX_COLUMNS} 列（第 {number} 行），请删去多余的列后再导入"
            )
        out.extend([] for _ in range(number - 1 - len(out)))
        out.append(values)
    return out


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
