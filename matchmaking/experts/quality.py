"""Quality check of an expert profile draft: hints before publishing (advice, not a wall).

Needs are matched to an expert by the words of the expertise: a short or vague one
finds nothing. The form shows these hints and lets the user publish anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from matchmaking.needs.quality import Hint, field_text

MIN_EXPERTISE = 60


def check(data: Mapping[str, Any] | BaseModel) -> list[Hint]:
    """Hints for an expert draft (form values or a schema), most important first."""
    values: Mapping[str, Any] = data.model_dump() if isinstance(data, BaseModel) else data
    hints: list[Hint] = []
    expertise = field_text(values, "expertise")
    if len(expertise) < MIN_EXPERTISE:
        hints.append(
            Hint(
                "expertise",
                f"研究方向与专长只有 {len(expertise)} 个字，建议至少 {MIN_EXPERTISE} 字。"
                "写清研究方向、掌握的关键技术、做过的代表性项目和能为企业解决的问题，"
                "系统据此匹配企业需求。",
            )
        )
    if not field_text(values, "fields"):
        hints.append(Hint("fields", "未选择擅长领域：企业按行业浏览专家时将找不到您。"))
    if not field_text(values, "title"):
        hints.append(Hint("title", "未填写职称（如 教授、研究员、高级工程师）。"))
    if not field_text(values, "availability"):
        hints.append(
            Hint(
                "availability",
                "未填写可服务时间。写明每月可安排的时间或方式（如 每月 2 天现场服务），"
                "便于企业预约。",
            )
        )
    return hints
