"""The text each item is embedded and indexed from, and its hash.

Changing what goes into these texts changes every hash, so reconcile
re-embeds everything once: do it deliberately.
"""

from __future__ import annotations

import hashlib

from matchmaking.enums import IndustryField, Kind
from matchmaking.models import Achievement, Expert, Need

_LABELS = {field.value: field.label for field in IndustryField}


def _label(code: str) -> str:
    return _LABELS.get(code, code)


def need_text(need: Need) -> str:
    parts = [need.title, need.description]
    if need.indicators:
        parts.append(f"技术指标：{need.indicators}")
    parts.append(f"领域：{_label(need.industry_field)}")
    return "\n".join(p for p in parts if p)


def achievement_text(a: Achievement) -> str:
    parts = [a.title, a.abstract]
    if a.keywords:
        parts.append(f"关键词：{a.keywords.replace(';', '、')}")
    if a.industry_field:
        parts.append(f"领域：{_label(a.industry_field)}")
    return "\n".join(p for p in parts if p)


def expert_text(e: Expert) -> str:
    fields = "、".join(_label(f) for f in e.fields.split(";") if f)
    parts = [f"{e.title} {e.expertise}".strip()]
    if fields:
        parts.append(f"研究领域：{fields}")
    return "\n".join(parts)


def item_text(kind: Kind, item: Need | Achievement | Expert) -> str:
    if kind is Kind.NEEDS:
        assert isinstance(item, Need)
        return need_text(item)
    if kind is Kind.ACHIEVEMENTS:
        assert isinstance(item, Achievement)
        return achievement_text(item)
    assert isinstance(item, Expert)
    return expert_text(item)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
