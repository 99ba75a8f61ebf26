"""A frozen report as a Chinese government bulletin (.docx) and as a workbook (.xlsx).

Both read only the report's snapshot. The .docx follows the usual layout of a 通报:
a red masthead, the issue number and date (China time), a red rule, then sections
一、总体完成情况 … 五、下月工作安排 with tables.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from matchmaking import clock
from matchmaking.models import MonthlyReport
from matchmaking.reports.service import number, title

ISSUER = "区科技局"
RED = RGBColor(0xC0, 0x00, 0x00)
RAG_LABEL = {
    "green": "绿（达序时）",
    "amber": "黄（60%–99%）",
    "red": "红（不足60%）",
    "none": "未设目标",
}
RAG_FILL = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE", "none": "EEEEEE"}
OVERALL_HEAD = ["指标", "单位", "年度目标", "本月", "累计", "完成率", "序时进度", "同比"]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _n(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def overall_rows(snap: dict[str, Any]) -> list[list[str]]:
    return [
        [
            f["label"],
            f["unit"],
            _n(f["target"]),
            _n(f["month"]),
            _n(f["year_to_date"]),
            _pct(f["completion"]),
            _pct(f["schedule_ratio"]),
            _signed_pct(f["year_on_year"]),
        ]
        for f in snap["overall"]
    ]


def _font(run: Any, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "SimSun"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312" if size < 16 else "方正小标宋简体")
    if color is not None:
        run.font.color.rgb = color


def _para(doc: Any, text: str, size: float = 14, **kw: Any) -> Any:
    align = kw.pop("align", None)
    p = doc.add_paragraph()
    _font(p.add_run(text), size, **kw)
    if align is not None:
        p.alignment = align
    return p


def _red_rule(paragraph: Any) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "18"),
        ("w:space", "1"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    p_pr.append(border)


def _table(doc: Any, head: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), 10.5, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), 10.5)


def docx_bytes(report: MonthlyReport) -> bytes:
    snap = report.snapshot
    doc = Document()
    _para(doc, "产学研合作工作通报", 26, bold=True, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, number(report), 14, align=WD_ALIGN_PARAGRAPH.CENTER)
    issued = clock.to_local(report.issued_at).date()
    line = _para(
        doc,
        f"{ISSUER}　　　　　　　　　　{issued.year}年{issued.month}月{issued.day}日",
        14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _red_rule(line)
    _para(doc, title(report), 18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if report.note:
        _para(doc, f"更正说明：{report.note}", 12, color=RED)
    _para(doc, f"（数据截至{snap['data_as_of']}，北京时间）", 12, align=WD_ALIGN_PARAGRAPH.CENTER)

    _para(doc, "一、总体完成情况", 16, bold=True)
    y, m = snap["year"], snap["month"]
    lead = next((f for f in snap["overall"] if f["indicator"] == "amount"), None)
    if lead is not None:
        _para(
            doc,
            f"{y}年1—{m}月，全区登记技术合同成交额{_n(lead['year_to_date'])}万元，"
            f"完成年度目标的{_pct(lead['completion'])}，序时进度{_pct(lead['schedule_ratio'])}，"
            f"同比{_signed_pct(lead['year_on_year'])}。",
        )
    _table(doc, OVERALL_HEAD, overall_rows(snap))

    _para(doc, "二、分镇（街道、园区）情况", 16, bold=True)
    for ranked in snap["rankings"].values():
        _para(doc, f"{ranked['label']}（{ranked['unit']}）", 14, bold=True)
        _table(doc, ["排名", "区镇", "年度目标", "累计", "序时进度", "评价"], town_rows(ranked))

    _para(doc, "三、主要工作", 16, bold=True)
    notable = snap["notable"]
    if notable["agreements"]:
        _para(doc, "本月签订的主要产学研合作协议：")
        for i, a in enumerate(notable["agreements"], 1):
            town = f"（{a['town']}）" if a["town"] else ""
            _para(doc, f"{i}. {a['company']}{town}：{a['title']}")
    if notable["contracts"]:
        _para(doc, "本月登记的主要技术合同：")
        for i, c in enumerate(notable["contracts"], 1):
            _para(doc, f"{i}. {c['name']}（吸纳方：{c['buyer']}），成交额{_n(c['amount'])}万元")
    if not notable["agreements"] and not notable["contracts"]:
        _para(doc, "本月无新签合作协议和新登记技术合同。")

    _para(doc, "四、存在问题", 16, bold=True)
    behind = snap["problems"]["behind"]
    _para(
        doc,
        "序时进度不足60%的区镇：" + ("、".join(behind) if behind else "无") + "。",
    )
    for q in snap["problems"]["quality"]:
        _para(doc, f"{q['label']}：{q['count']}条。")

    _para(doc, "五、下月工作安排", 16, bold=True)
    for line_text in (snap.get("plan") or "（未填写）").split("\n"):
        _para(doc, line_text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def town_rows(ranked: dict[str, Any]) -> list[list[str]]:
    return [
        [
            str(t["rank"]),
            t["town"],
            _n(t["target"]),
            _n(t["year_to_date"]),
            _pct(t["schedule_ratio"]),
            RAG_LABEL[t["rag"]],
        ]
        for t in ranked["towns"]
    ]


def _append(ws: Any, row: list[Any]) -> None:
    """Append a row; text that looks like a formula (a name typed as "=…") stays text."""
    ws.append(row)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def xlsx_bytes(report: MonthlyReport) -> bytes:
    snap = report.snapshot
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "总体完成情况"
    _append(ws, [title(report), number(report), f"数据截至 {snap['data_as_of']}"])
    ws["A1"].font = Font(bold=True, size=14)
    _append(ws, OVERALL_HEAD)
    for row in overall_rows(snap):
        _append(ws, row)
    ws.column_dimensions["A"].width = 22
    towns = wb.create_sheet("分镇情况")
    for ranked in snap["rankings"].values():
        _append(towns, [f"{ranked['label']}（{ranked['unit']}）"])
        towns.cell(towns.max_row, 1).font = Font(bold=True)
        _append(towns, ["排名", "区镇", "年度目标", "累计", "序时进度", "评价"])
        for t, row in zip(ranked["towns"], town_rows(ranked), strict=True):
            _append(towns, row)
            towns.cell(towns.max_row, 6).fill = PatternFill("solid", fgColor=RAG_FILL[t["rag"]])
        _append(towns, [])
    towns.column_dimensions["B"].width = 16
    work = wb.create_sheet("主要工作")
    _append(work, ["类别", "名称", "单位", "区镇", "成交额（万元）"])
    for a in snap["notable"]["agreements"]:
        _append(work, ["合作协议", a["title"], a["company"], a["town"], ""])
    for c in snap["notable"]["contracts"]:
        _append(work, ["技术合同", c["name"], c["buyer"], c["town"], c["amount"]])
    problems = wb.create_sheet("存在问题与下月安排")
    _append(problems, ["序时进度不足60%的区镇", "、".join(snap["problems"]["behind"]) or "无"])
    for q in snap["problems"]["quality"]:
        _append(problems, [q["label"], q["count"]])
    _append(problems, ["下月工作安排", snap.get("plan") or ""])
    problems.column_dimensions["A"].width = 34
    problems.column_dimensions["B"].width = 60
    for cell in problems["B"]:
        cell.alignment = Alignment(wrap_text=True)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
