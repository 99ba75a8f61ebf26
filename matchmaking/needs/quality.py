"""Quality check of a need draft: concrete hints before publishing (advice, not a wall).

A vague need gets vague recommendations: the matcher has only the words the
company wrote. These hints say what is missing and what a good entry contains;
the form shows them and lets the user publish anyway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from matchmaking import clock

# Below these lengths the matcher has little to work with (demo needs average ~120 chars).
MIN_TITLE = 8
MIN_DESCRIPTION = 80
# Titles made only of these words say nothing about the problem.
VAGUE_WORDS = (
    "技术需求",
    "需求",
    "技术",
    "合作",
    "求助",
    "寻求",
    "寻找",
    "需要",
    "项目",
    "攻关",
    "难题",
    "问题",
    "支持",
    "改进",
    "升级",
    "研发",
    "开发",
    "新产品",
    "新技术",
    "相关",
    "一个",
    "关于",
    "的",
)
_NUMBER = re.compile(r"\d")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Hint:
    """One piece of advice on one field of the draft."""

    field: str
    message: str


def field_text(values: Mapping[str, Any], name: str) -> str:
    """A draft's field as text, whatever the draft is (form strings or a schema's values):
    a choice as its code, a list joined by ";", nothing as ""."""
    value = values.get(name)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(getattr(v, "value", v)) for v in value if v)
    return str(getattr(value, "value", value)).strip()


def _is_vague(title: str) -> bool:
    rest = _PUNCT.sub("", title)
    for word in sorted(VAGUE_WORDS, key=len, reverse=True):
        rest = rest.replace(word, "")
    return len(rest) < 3


def _deadline(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None  # a malformed date is a validation error, not a hint


def check(data: Mapping[str, Any] | BaseModel, *, today: date | None = None) -> list[Hint]:
    """Hints for a need draft (form values or a NeedCreate/NeedUpdate), most important first."""
    values: Mapping[str, Any] = data.model_dump() if isinstance(data, BaseModel) else data
    day = today or clock.local_today()
    hints: list[Hint] = []

    title = field_text(values, "title")
    if title and len(title) < MIN_TITLE:
        hints.append(
            Hint(
                "title",
                f"需求名称只有 {len(title)} 个字，过于简短。建议写明对象和要解决的问题，"
                "例如“氢燃料电池金属双极板耐腐蚀涂层开发”。",
            )
        )
    elif title and _is_vague(title):
        hints.append(
            Hint(
                "title",
                f"需求名称“{title}”过于笼统，看不出具体技术问题。"
                "建议写明产品或工艺和要解决的问题，例如“船用压载水处理装置降低能耗”。",
            )
        )

    description = field_text(values, "description")
    if len(description) < MIN_DESCRIPTION:
        hints.append(
            Hint(
                "description",
                f"需求描述只有 {len(description)} 个字，建议至少 {MIN_DESCRIPTION} 字。"
                "好的描述通常写清三点：要解决什么问题；目前的状况（现有工艺、设备或指标）；"
                "已经尝试过哪些方法、效果如何。",
            )
        )

    indicators = field_text(values, "indicators")
    if not indicators:
        hints.append(
            Hint(
                "indicators",
                "未填写技术指标。建议给出可量化的目标，例如“接触电阻 < 10 mΩ·cm²”"
                "“连续运行寿命 ≥ 5000 h”，便于高校院所判断能否解决。",
            )
        )
    elif not _NUMBER.search(indicators):
        hints.append(
            Hint(
                "indicators",
                "技术指标中没有任何数值。建议写成带数值和单位的目标，"
                "例如“腐蚀电流密度 ≤ 1 μA/cm²”，而不是“耐腐蚀性好”。",
            )
        )

    if values.get("budget_wan") in (None, ""):
        hints.append(
            Hint(
                "budget_wan",
                "未填写预算。给出大致预算（万元）有助于对方判断合作方式和投入；"
                "暂不确定可留空，页面显示为“面议”。",
            )
        )

    deadline = _deadline(values.get("deadline"))
    if values.get("deadline") in (None, ""):
        hints.append(
            Hint(
                "deadline",
                "未设截止日期。建议填写希望解决的时间，便于对方安排，也便于科技局跟踪。",
            )
        )
    elif deadline is not None and deadline < day:
        hints.append(
            Hint(
                "deadline",
                f"截止日期 {deadline.isoformat()} 已经过去："
                "过期的需求不会被推荐，请改为未来的日期。",
            )
        )

    if not field_text(values, "cooperation_mode"):
        hints.append(
            Hint(
                "cooperation_mode",
                "未选择合作方式。请选择希望的方式（如技术转让、合作开发、委托开发），"
                "对方据此判断能否合作，推荐结果也可按合作方式筛选。",
            )
        )
    return hints
