"""Pydantic validation errors in words a person can act on (Chinese)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from matchmaking.enums import (
    ContractSubtype,
    ContractType,
    CooperationMode,
    IndustryField,
    IpType,
    LabelledEnum,
    Maturity,
    OrgKind,
    Origin,
    PartyNature,
    TechField,
)

FIELD_LABELS = {
    "org_id": "所属单位",
    "name": "名称",
    "kind": "类型",
    "title": "标题",
    "description": "描述",
    "indicators": "技术指标",
    "industry_field": "行业领域",
    "budget_wan": "预算（万元）",
    "deadline": "截止日期",
    "cooperation_mode": "合作方式",
    "status": "状态",
    "abstract": "成果简介",
    "keywords": "关键词",
    "maturity": "成熟度",
    "trl": "技术就绪度",
    "patent_numbers": "专利号",
    "price_wan": "价格（万元）",
    "fields": "擅长领域",
    "expertise": "研究方向与专长",
    "q": "搜索内容",
    "channel": "渠道",
    "category": "消息类型",
    "to": "跳转地址",
    "limit": "数量",
    "include_weak": "是否包含相关度不足的结果",
    "page": "页码",
    "against": "对比的通报",
    "year": "年份",
    "month": "月份",
    "quarter": "季度",
    "bonus_id": "加分项",
    "version": "版本",
    "period": "统计期间",
    "indicator": "指标",
    "include_closed": "包含已关闭",
    "contacts": "联系方式",
    "format": "格式",
    "by": "分类方式",
    "box": "对接箱",
    "fitting": "匹配对象",
    "next": "登录后前往",
    "page_size": "每页条数",
    "target": "推荐对象",
    "town": "区镇",
    "district": "区县",
    "username": "登录名",
    "password": "密码",
    "display_name": "姓名",
    "org_name": "单位名称",
    "org_kind": "单位类型",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "role": "角色",
    "reason": "原因",
    "message": "留言",
    "external_id": "编号",
    "team_leader": "团队负责人",
    "availability": "可服务时间",
    # outcomes: agreements, contracts, payments
    "company_org_id": "本地企业",
    "partner_org_id": "高校院所",
    "expert_id": "专家",
    "signed_on": "签订日期",
    "town_id": "所属区镇",
    "summary": "合作内容摘要",
    "planned_amount_wan": "协议金额（万元）",
    "attachment": "附件",
    "origin": "来源",
    "contract_type": "合同类型",
    "contract_subtype": "合同子类",
    "seller_name": "卖方名称",
    "seller_nature": "卖方性质",
    "seller_region": "卖方行政区划代码",
    "seller_org_id": "卖方单位",
    "buyer_name": "买方名称",
    "buyer_nature": "买方性质",
    "buyer_region": "买方行政区划代码",
    "buyer_org_id": "买方单位",
    "valid_from": "合同有效期起",
    "valid_to": "合同有效期止",
    "amount_wan": "合同成交额（万元）",
    "tech_amount_wan": "技术交易额（万元）",
    "tech_field": "技术领域",
    "ip_type": "知识产权类型",
    "registration_no": "合同登记编号",
    "registered_on": "登记日期",
    "authority": "登记机构",
    "note": "备注",
    "contract_scan": "合同扫描件",
    "certificate": "登记证明",
    "agreement_id": "合作协议",
    "docking_id": "对接",
    "received_on": "到账日期",
    "evidence": "凭证",
    "file": "文件",
    "payment_id": "到账记录",
    "attachment_id": "附件",
    "held_on": "举办日期",
    "venue": "地点",
    "organiser": "主办单位",
    "theme": "主题说明",
    "guest_org_id": "嘉宾单位",
    "registration_opens": "报名开始日期",
    "registration_closes": "报名截止日期",
    "capacity": "名额",
    "start": "开始时间",
    "meeting_minutes": "每场洽谈分钟数",
    "break_minutes": "休息分钟数",
    "meetings": "洽谈轮数",
    "tables": "洽谈桌数",
    "need_ids": "带来的需求",
    "achievement_ids": "带来的成果",
    "unavailable_slot_ids": "不能参加的时段",
    "min_meetings": "最少洽谈场数",
    "max_meetings": "最多洽谈场数",
    "to_id": "参会方",
    "level": "洽谈意愿",
    "accept": "是否接受约见",
    "outcome": "洽谈结果",
    "org_ids": "邀请的单位",
    "a_id": "洽谈一方",
    "b_id": "洽谈另一方",
    "slot_id": "洽谈时段",
    "half_day": "巡诊时间",
    "problems": "发现的问题",
    "suggestions": "改进建议",
    "follow_ups": "后续行动",
    "request_id": "诊断申请",
    "need_id": "技术需求",
    # the search page's filters
    "industry": "行业领域",
    "mode": "合作方式",
    "sort": "排序方式",
}


ENUM_FIELDS: dict[str, type[LabelledEnum]] = {
    "industry_field": IndustryField,
    "fields": IndustryField,
    "cooperation_mode": CooperationMode,
    "maturity": Maturity,
    "org_kind": OrgKind,
    "contract_type": ContractType,
    "contract_subtype": ContractSubtype,
    "seller_nature": PartyNature,
    "buyer_nature": PartyNature,
    "tech_field": TechField,
    "ip_type": IpType,
    "origin": Origin,
}


def _labelled_enums(base: type[LabelledEnum] = LabelledEnum) -> Iterable[type[LabelledEnum]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _labelled_enums(sub)


def enum_of(expected: str) -> type[LabelledEnum] | None:
    """The labelled enum whose codes are pydantic's ``expected`` ("'a', 'b' or 'c'")."""
    codes = set(re.findall(r"'([^']*)'", expected))
    for enum in _labelled_enums():
        if codes and {m.value for m in enum} == codes:
            return enum
    return None


def _rule(err: dict[str, Any], field: str) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        return f"至少需要 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind in ("too_short",):
        return f"至少需要 {ctx.get('min_length')} 项"
    if kind in ("too_long",):
        return f"最多 {ctx.get('max_length')} 项"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "enum":
        enum = ENUM_FIELDS.get(field) or enum_of(str(ctx.get("expected", "")))
        if enum is not None:
            return "取值无效，可选：" + "、".join(m.label for m in enum)
        return f"取值无效，可选：{ctx.get('expected')}"
    if kind.startswith("date"):
        return "日期格式应为 YYYY-MM-DD"
    if kind == "decimal_max_places":
        # Stored with two decimals; rounding silently would change what was typed.
        return f"最多 {ctx.get('decimal_places')} 位小数"
    if kind.startswith(("int_", "decimal_", "float_")):
        return "应为数字"
    if kind == "string_pattern_mismatch":
        if field == "username":
            return "只能使用 3–64 个字母、数字或 _.@-"
        return "格式不正确"
    if kind in ("string_type", "bool_parsing", "bool_type"):
        return "取值无效"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if kind == "json_invalid":
        return "请求体不是有效的 JSON"
    return str(err.get("msg", "取值无效"))


def validation_details(errors: Iterable[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or "request"
        label = FIELD_LABELS.get(loc[0], loc[0]) if loc else "请求"
        out.append(
            {
                "field": field,
                "message": f"{label}：{_rule(err, loc[0] if loc else '')}",
                "type": err.get("type", ""),
            }
        )
    return out


KIND_NOUNS = {"needs": "技术需求", "achievements": "科技成果", "experts": "专家"}


# C0 control characters: invisible, refused by .xlsx (one NUL made every user's export
# fail) and by PostgreSQL text (NUL). Tab and line breaks only where text has lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f]")
# Bidi overrides and isolates make text display in another order than it is stored
# (a title or a file name that reads differently from what it is).
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` cannot be stored as text (in Chinese), or None if it can."""
    found = (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value)
    if found:
        char = found.group()
        if char in "\t\r\n":
            return "不能包含换行或制表符，请写成一行"
        return f"第 {found.start() + 1} 个字符是不可见的控制字符（U+{ord(char):04X}），请删除后重试"
    found = _BIDI.search(value)
    if found:
        return (
            f"第 {found.start() + 1} 个字符是改变文字显示方向的不可见字符"
            f"（U+{ord(found.group()):04X}），请删除后重试"
        )
    return None


class TextInput(BaseModel):
    """Base of the input schemas: no text field accepts invisible control characters.

    Fields named in ``MULTILINE`` may hold line breaks and tabs; passwords are left
    alone (they are hashed, never shown).
    """

    MULTILINE: ClassVar[frozenset[str]] = frozenset(
        {"description", "indicators", "abstract", "expertise", "reason", "message"}
    )
    UNCHECKED: ClassVar[frozenset[str]] = frozenset({"password", "password2"})

    @field_validator("*", mode="after")
    @classmethod
    def _printable_text(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if name in cls.UNCHECKED:
            return value
        for text in value if isinstance(value, list) else (value,):
            if isinstance(text, str):
                problem = text_problem(text, multiline=name in cls.MULTILINE)
                if problem:
                    raise ValueError(problem)
        return value


class UpdateInput(TextInput):
    """Base of the update schemas (every field optional): leaving a field out keeps it,
    and an explicit null is refused, except for the fields in ``NULLABLE`` (their columns
    may be empty, so null clears them). A null for a NOT NULL column used to reach the
    database and answer 500.
    """

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("不能为空（不修改就不要传这一项）")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The fields are typed ``X | None`` so that "not sent" can be told apart; the
        # published schema says what is accepted: null only where it clears the field.
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, prop in target.get("properties", {}).items():
            if name in cls.NULLABLE or "anyOf" not in prop:
                continue
            kept = [s for s in prop["anyOf"] if s.get("type") != "null"]
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
            if prop.get("default", 0) is None:
                del prop["default"]
        return schema
