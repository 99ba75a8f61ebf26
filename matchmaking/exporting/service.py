"""Exporting needs, achievements and experts.

``export_workbook`` writes the same columns as the import template, so an
exported file imports back as it is (an update, not a duplicate).
``compilation`` groups the items by industry field for a printable booklet
(需求信息汇编 / 科技成果汇编), rendered by ``render_compilation``.

Contact details (a need's contact person, an organization's contact columns)
are left out unless ``include_contacts`` is set (staff only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.common.filters import ItemFilters
from matchmaking.enums import (
    CooperationMode,
    IndustryField,
    ItemStatus,
    Kind,
    LabelledEnum,
    Maturity,
    NeedStatus,
)
from matchmaking.importing.columns import Column, columns
from matchmaking.importing.template import (
    DATA_SHEET,
    append_row,
    blank_workbook,
    workbook_bytes,
)
from matchmaking.matching.kinds import SERVICES

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "web" / "templates"
COMPILATION_TEMPLATE = "exports/compilation.html"
# Organization contact columns appended (after the template's) when staff export with contacts.
ORG_CONTACTS = (("contact_name", "单位联系人"), ("contact_phone", "联系电话"),
                ("contact_email", "联系邮箱"))  # fmt: skip
BOOKLET_TITLES = {
    Kind.NEEDS: "技术需求信息汇编",
    Kind.ACHIEVEMENTS: "科技成果汇编",
    Kind.EXPERTS: "专家信息汇编",
}
_PAGE = 1000
_MAX_ITEMS = 50_000


def _label(enum: type[LabelledEnum], code: str | None) -> str:
    if not code:
        return ""
    try:
        return enum(code).label
    except ValueError:
        return code


def _status_enum(kind: Kind) -> type[LabelledEnum]:
    return NeedStatus if kind is Kind.NEEDS else ItemStatus


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _fields(item: Any) -> list[str]:
    return [f for f in (item.fields or "").split(";") if f]


def items_for_export(
    session: Session,
    kind: Kind,
    filters: ItemFilters | None = None,
    *,
    include_closed: bool = False,
) -> list[Any]:
    """Every item passing ``filters`` (as the lists show them), oldest first, with its org."""
    service = SERVICES[kind]
    filters = filters or ItemFilters()
    out: list[Any] = []
    page = 1
    while len(out) < _MAX_ITEMS:
        found = service.list_page(
            session, filters=filters, page=page, page_size=_PAGE, include_closed=include_closed
        )
        out.extend(found.items)
        if not found.items or len(out) >= found.total:
            break
        page += 1
    return sorted(out, key=lambda item: item.id)


def _cell(kind: Kind, column: Column, item: Any) -> object:
    name = column.field
    if name == "organization":
        return item.org.name
    if name == "status":
        return _label(_status_enum(kind), item.status)
    if name == "fields":
        return ";".join(_label(IndustryField, f) for f in _fields(item))
    value = getattr(item, name)
    if column.choices is not None:
        return _label(column.choices, value)
    if isinstance(value, Decimal):
        return _number(value)
    return "" if value is None else value


def _storable(value: object) -> object:
    """Text without the control characters an .xlsx cannot hold (openpyxl refuses them).

    Input is validated, but rows written before that (or behind the API's back) may
    hold a NUL or an ESC; one such row made the whole export fail for everyone.
    """
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def export_workbook(
    session: Session,
    kind: Kind,
    filters: ItemFilters | None = None,
    *,
    include_contacts: bool = False,
    include_closed: bool = False,
) -> bytes:
    """The items passing ``filters`` as an .xlsx in the import template's columns."""
    cols = columns(kind, include_contacts=include_contacts)
    extra = [header for _, header in ORG_CONTACTS] if include_contacts else []
    wb = blank_workbook(kind, cols, extra=extra)
    ws = wb[DATA_SHEET[kind]]
    for item in items_for_export(session, kind, filters, include_closed=include_closed):
        values = [_cell(kind, c, item) for c in cols]
        if include_contacts:
            values += [getattr(item.org, name, "") or "" for name, _ in ORG_CONTACTS]
        values = [_storable(v) for v in values]
        append_row(ws, values)
        for index, value in enumerate(values, start=1):
            if isinstance(value, date):
                ws.cell(row=ws.max_row, column=index).number_format = "yyyy-mm-dd"
    return workbook_bytes(wb)


# -- printable compilation --------------------------------------------------------
@dataclass
class CompilationItem:
    number: int
    title: str
    organization: str
    town: str
    field: str  # the industry field's Chinese label
    facts: list[tuple[str, str]]  # short label/value pairs (budget, mode, deadline, …)
    sections: list[tuple[str, str]]  # longer texts (description, indicators, …)


@dataclass
class CompilationGroup:
    code: str
    label: str
    items: list[CompilationItem] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"field-{self.code}"


@dataclass
class Compilation:
    kind: str
    title: str
    region: str
    period: str  # "2026年11月"
    generated_on: date
    include_contacts: bool
    groups: list[CompilationGroup]

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups)


def _money(value: Decimal | None) -> str:
    number = _number(value)
    return "面议" if number is None else f"{number} 万元"


def _facts(kind: Kind, item: Any, include_contacts: bool) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]]
    if kind is Kind.NEEDS:
        facts = [
            ("行业领域", _label(IndustryField, item.industry_field)),
            ("预算", _money(item.budget_wan)),
            ("合作方式", _label(CooperationMode, item.cooperation_mode)),
            ("截止日期", item.deadline.isoformat() if item.deadline else "长期有效"),
        ]
        if include_contacts and item.contact_name:
            facts.append(("联系人", item.contact_name))
    elif kind is Kind.ACHIEVEMENTS:
        maturity = _label(Maturity, item.maturity)
        if item.trl:
            maturity += f"（TRL {item.trl}）"
        facts = [
            ("行业领域", _label(IndustryField, item.industry_field)),
            ("成熟度", maturity),
            ("合作方式", _label(CooperationMode, item.cooperation_mode)),
            ("参考价格", _money(item.price_wan)),
        ]
        facts += [
            (label, value)
            for label, value in (
                ("专利号", item.patent_numbers),
                ("关键词", item.keywords),
                ("团队负责人", item.team_leader),
            )
            if value
        ]
    else:
        facts = [("擅长领域", "、".join(_label(IndustryField, f) for f in _fields(item)))]
        facts += [(k, v) for k, v in (("职称", item.title), ("可服务时间", item.availability)) if v]
    if include_contacts:
        org = item.org
        facts += [
            (label, value)
            for label, value in (
                ("单位联系人", getattr(org, "contact_name", "")),
                ("联系电话", getattr(org, "contact_phone", "")),
                ("联系邮箱", getattr(org, "contact_email", "")),
            )
            if value
        ]
    return facts


def _sections(kind: Kind, item: Any) -> list[tuple[str, str]]:
    if kind is Kind.NEEDS:
        pairs = [("需求描述", item.description), ("技术指标", item.indicators)]
    elif kind is Kind.ACHIEVEMENTS:
        pairs = [("成果简介", item.abstract)]
    else:
        pairs = [("研究方向与专长", item.expertise)]
    return [(label, text) for label, text in pairs if text]


def _field_of(kind: Kind, item: Any) -> str:
    if kind is Kind.EXPERTS:
        codes = _fields(item)
        return codes[0] if codes else ""  # an expert is listed under their first field
    return str(item.industry_field)


def compilation(
    session: Session,
    kind: Kind,
    filters: ItemFilters | None = None,
    *,
    include_contacts: bool = False,
    include_closed: bool = False,
    region: str | None = None,
    today: date | None = None,
) -> Compilation:
    """The items passing ``filters`` grouped by industry field, numbered for a booklet."""
    filters = filters or ItemFilters()
    day = today or clock.local_today()
    if region is None:
        region = (filters.district or "") + (filters.town or "")
    order = {f.value: i for i, f in enumerate(IndustryField)}
    groups: dict[str, CompilationGroup] = {}
    items = items_for_export(session, kind, filters, include_closed=include_closed)
    for item in items:
        code = _field_of(kind, item)
        if code not in groups:
            groups[code] = CompilationGroup(code, _label(IndustryField, code) or "其他")
    ordered = sorted(groups.values(), key=lambda g: order.get(g.code, len(order)))
    number = 0
    by_code = {g.code: g for g in ordered}
    for group in ordered:
        for item in items:
            if _field_of(kind, item) != group.code:
                continue
            number += 1
            name = item.name if kind is Kind.EXPERTS else item.title
            by_code[group.code].items.append(
                CompilationItem(
                    number=number,
                    title=name,
                    organization=item.org.name,
                    town=item.org.town,
                    field=group.label,
                    facts=_facts(kind, item, include_contacts),
                    sections=_sections(kind, item),
                )
            )
    period = f"{day.year}年{day.month}月"
    return Compilation(
        kind=kind.value,
        title=f"{region}{BOOKLET_TITLES[kind]}（{period}）",
        region=region,
        period=period,
        generated_on=day,
        include_contacts=include_contacts,
        groups=ordered,
    )


def render_compilation(book: Compilation, *, templates_dir: Path = TEMPLATES_DIR) -> str:
    """The booklet as a standalone printable A4 HTML page."""
    env = Environment(
        loader=FileSystemLoader(templates_dir), autoescape=True, undefined=StrictUndefined
    )
    return env.get_template(COMPILATION_TEMPLATE).render(book=book)


def compilation_filename(book: Compilation, suffix: str = ".html") -> str:
    """A download name such as 海门区技术需求信息汇编（2026年11月）.html."""
    return f"{book.title}{suffix}"
