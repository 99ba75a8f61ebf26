"""The columns of the import template, shared by the template, the preview, the
error sheet and the Excel export, so that an exported file imports back as it is.

Each header is one the importer already understands (``tables.ALIASES``); a
trailing ``*`` marks a required column and is ignored when reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from matchmaking.enums import (
    CooperationMode,
    IndustryField,
    ItemStatus,
    Kind,
    LabelledEnum,
    Maturity,
    NeedStatus,
)

REQUIRED_MARK = "*"
UNRECOGNISED = "未识别"
# The title (or name) of the template's example row starts with this; the importer
# refuses such a row so that a forgotten example never becomes a published item.
EXAMPLE_MARK = "【示例】"


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # Chinese header without the required mark
    required: bool
    meaning: str
    fmt: str
    choices: type[LabelledEnum] | None = None
    multiple: bool = False  # several choices separated by ";"
    contact: bool = False  # personal contact details: left out of exports by default
    width: int = 16

    @property
    def heading(self) -> str:
        """The header as written in the template and in exports."""
        return self.header + (REQUIRED_MARK if self.required else "")

    def allowed(self) -> str:
        if self.choices is None:
            return ""
        return "、".join(m.label for m in self.choices)


_EXTERNAL_ID = Column(
    "external_id",
    "编号",
    False,
    "贵单位自己的编号。填写后，再次导入同一编号会更新原记录",
    "文字，最多 64 个字符；可留空（留空时按“单位 + 名称”识别同一条记录）",
    width=14,
)
_ORG = Column(
    "organization",
    "单位",
    True,
    "所属单位全称，须与平台上登记的名称完全一致",
    "文字，如“海门氢能动力科技有限公司”",
    width=28,
)
_FIELD = Column(
    "industry_field", "行业领域", True, "所属行业领域", "从下拉列表中选择", IndustryField, width=22
)
_MODE = Column(
    "cooperation_mode",
    "合作方式",
    True,
    "希望的合作方式",
    "从下拉列表中选择",
    CooperationMode,
    width=14,
)

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.NEEDS: (
        _EXTERNAL_ID,
        _ORG,
        Column("title", "需求名称", True, "技术需求的名称", "4–200 个字符", width=30),
        Column(
            "description",
            "需求描述",
            True,
            "要解决的技术问题、现状与难点",
            "至少 10 个字符",
            width=48,
        ),
        Column(
            "indicators",
            "技术指标",
            False,
            "希望达到的技术指标（数值、标准）",
            "文字，最多 5000 个字符",
            width=30,
        ),
        _FIELD,
        Column(
            "budget_wan",
            "预算（万元）",
            False,
            "愿意投入的经费",
            "数字，单位万元，不小于 0；留空表示面议",
            width=12,
        ),
        _MODE,
        Column("deadline", "截止日期", False, "需求征集截止日期", "日期，如 2027-06-30", width=14),
        Column(
            "contact_name",
            "联系人",
            False,
            "本需求的联系人（仅平台工作人员可见）",
            "文字，最多 64 个字符",
            contact=True,
            width=12,
        ),
        Column(
            "status",
            "状态",
            False,
            "需求当前状态；留空为“征集中”",
            "从下拉列表中选择",
            NeedStatus,
            width=10,
        ),
    ),
    Kind.ACHIEVEMENTS: (
        _EXTERNAL_ID,
        _ORG,
        Column("title", "成果名称", True, "科技成果的名称", "4–200 个字符", width=30),
        Column(
            "abstract",
            "成果简介",
            True,
            "成果的技术内容、创新点与应用领域",
            "至少 10 个字符",
            width=48,
        ),
        Column("keywords", "关键词", False, "技术关键词", "多个用分号“;”分隔", width=20),
        _FIELD,
        Column("maturity", "成熟度", True, "成果所处阶段", "从下拉列表中选择", Maturity, width=10),
        Column("trl", "技术就绪度", False, "技术就绪度等级（TRL）", "1–9 的整数", width=10),
        Column(
            "patent_numbers",
            "专利号",
            False,
            "相关专利号",
            "如 ZL202110345678.3，多个用分号“;”分隔",
            width=24,
        ),
        _MODE,
        Column(
            "price_wan",
            "价格（万元）",
            False,
            "转让或许可的参考价格",
            "数字，单位万元，不小于 0；留空表示面议",
            width=12,
        ),
        Column("team_leader", "团队负责人", False, "成果团队负责人", "姓名", width=12),
        Column(
            "status",
            "状态",
            False,
            "成果当前状态；留空为“已发布”",
            "从下拉列表中选择",
            ItemStatus,
            width=10,
        ),
    ),
    Kind.EXPERTS: (
        _EXTERNAL_ID,
        _ORG,
        Column("name", "姓名", True, "专家姓名", "2–64 个字符", width=12),
        Column("title", "职称", False, "职称，如 教授、研究员、高级工程师", "文字", width=12),
        Column(
            "fields",
            "擅长领域",
            True,
            "擅长的行业领域，最多 4 个",
            "从下拉列表中选择；多个领域用分号“;”分隔",
            IndustryField,
            multiple=True,
            width=28,
        ),
        Column(
            "expertise",
            "研究方向与专长",
            True,
            "研究方向、专长与代表性成果",
            "至少 10 个字符",
            width=48,
        ),
        Column("availability", "可服务时间", False, "可参加对接或巡诊的时间", "文字", width=16),
        Column(
            "status",
            "状态",
            False,
            "专家当前状态；留空为“已发布”",
            "从下拉列表中选择",
            ItemStatus,
            width=10,
        ),
    ),
}


def columns(kind: Kind, *, include_contacts: bool = True) -> tuple[Column, ...]:
    """The template's columns for ``kind``, optionally without contact details."""
    return tuple(c for c in COLUMNS[kind] if include_contacts or not c.contact)


def known_fields(kind: Kind) -> set[str]:
    """The fields the importer uses for ``kind``; any other column is ignored."""
    return {c.field for c in COLUMNS[kind]}


def field_label(kind: Kind, name: str) -> str:
    for column in COLUMNS[kind]:
        if column.field == name:
            return column.header
    return name
