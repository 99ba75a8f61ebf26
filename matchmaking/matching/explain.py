"""Why two items match, in words a reader can check: shared terms and one sentence.

Shared terms leave out what explains nothing:

- the domain's stop list (``explain_stop.txt``: boilerplate such as 方向, 提供, 关键);
- words most texts of the kind use (a document-frequency rule, once a kind has enough
  items for the share to mean something);
- words that come only from the industry label (氢能 and 储能 on every item of
  氢能与新型储能): a term that is also a label word counts only when it occurs in the
  text itself, that is more often than the label line gives it;
- numbers and units ("10m", "5000h") and one-letter Latin tokens.

The sentence is built from the structured fields both sides have: maturity against
the cooperation the need asks for, the indicator both mention, the cooperation mode
both accept, budget against price.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any

from matchmaking.enums import CooperationMode, IndustryField, Maturity

SHARED_TERMS = 8
# A term in more than this share of a kind's items is too common to be a reason...
DF_SHARE_MAX = 0.25
# ...once the kind has at least this many items (below it, shares are noise).
DF_MIN_ITEMS = 20

_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (the unified ideographs, extension A)."""
    return bool(_CJK.search(text))


@cache
def stop_words() -> frozenset[str]:
    text = resources.files("matchmaking.matching").joinpath("explain_stop.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(w for w in words if w)


@cache
def label_words() -> frozenset[str]:
    """Every word the industry labels are tokenized into (the "领域：…" line of a text)."""
    from matchmaking.matching.runtime import get_tokenizer

    tokens = get_tokenizer().tokens
    return frozenset(t for field in IndustryField for t in tokens(field.label))


def displayable(term: str) -> bool:
    """A term that can be shown at all (not a stop word, a number or a unit)."""
    if term in stop_words() or any(ch.isdigit() for ch in term):
        return False
    return has_chinese(term) or (len(term) >= 3 and term.isalpha())


def shared_terms(
    query_tokens: Iterable[str],
    doc_tokens: Iterable[str],
    *,
    idf: Callable[[str], float],
    df_share: Callable[[str], float],
    n_items: int,
) -> list[str]:
    """Key terms both texts use, rarest first, without terms inside longer ones."""
    q, d = Counter(query_tokens), Counter(doc_tokens)
    labels = label_words()
    common = set()
    for t in q.keys() & d.keys():
        if not displayable(t):
            continue
        if n_items >= DF_MIN_ITEMS and df_share(t) > DF_SHARE_MAX:
            continue
        # A label word only counts where the text itself uses it, beyond its label line.
        if t in labels and (q[t] < 2 or d[t] < 2):
            continue
        common.add(t)
    ranked = sorted(common, key=lambda t: (-idf(t), -len(t), t))
    chosen: list[str] = []
    for term in sorted(ranked, key=len, reverse=True):
        if not any(term in longer for longer in chosen):
            chosen.append(term)
    keep = set(chosen)
    return [t for t in ranked if t in keep][:SHARED_TERMS]


# -- the sentence ------------------------------------------------------------------

_READY_MODES = {CooperationMode.TRANSFER.value, CooperationMode.LICENSING.value}
_MATURE = {Maturity.SCALEUP.value, Maturity.INDUSTRIALIZED.value}


def _maturity(a: Any) -> str:
    label = _label(Maturity, a.maturity) if a.maturity else ""
    if a.trl:
        return f"{label}（TRL {a.trl}）" if label else f"TRL {a.trl}"
    return label


def _label(enum: Any, code: str) -> str:
    try:
        return str(enum(code).label)
    except ValueError:
        return ""


def _money(wan: float) -> str:
    return f"{wan:g} 万元"


def _indicator_term(need: Any, terms: list[str]) -> str | None:
    """The first shared term that the need's indicators name."""
    indicators = need.indicators or ""
    return next((t for t in terms if t in indicators), None)


def _need_and_achievement(need: Any, a: Any, terms: list[str]) -> list[str]:
    parts: list[str] = []
    maturity = _maturity(a)
    if maturity:
        if need.cooperation_mode in _READY_MODES:
            ready = a.maturity in _MATURE or (a.trl or 0) >= 6
            parts.append(
                f"成果处于{maturity}，" + ("可直接转化" if ready else "离直接转化还需放大验证")
            )
        else:
            parts.append(f"成果处于{maturity}")
    term = _indicator_term(need, terms)
    if term:
        parts.append(f"双方都提到“{term}”这一指标")
    if need.cooperation_mode and need.cooperation_mode == a.cooperation_mode:
        parts.append(f"双方都接受{_label(CooperationMode, need.cooperation_mode)}")
    if need.budget_wan is not None and a.price_wan is not None:
        if a.price_wan <= need.budget_wan:
            parts.append(f"报价 {_money(a.price_wan)}，在预算 {need.budget_wan:g} 万元以内")
        else:
            gap = a.price_wan - need.budget_wan
            parts.append(
                f"报价 {_money(a.price_wan)}，高出预算 {_money(need.budget_wan)} {gap:g} 万元"
            )
    return parts


def _need_and_expert(need: Any, e: Any, terms: list[str]) -> list[str]:
    parts: list[str] = []
    fields = [f for f in (e.fields or "").split(";") if f]
    if need.industry_field and need.industry_field in fields:
        parts.append(f"专家研究领域含{_label(IndustryField, need.industry_field)}")
    term = _indicator_term(need, terms)
    if term:
        parts.append(f"专长涉及需求指标中的“{term}”")
    if e.availability:
        parts.append(f"可约时间：{e.availability}")
    return parts


def sentence(source: Any, target: Any, terms: list[str]) -> str:
    """One plain sentence on why ``target`` fits ``source`` ("" when the fields say nothing).

    Either side may be the need: a need's recommendations and an achievement's or an
    expert's fitting needs read the same.
    """
    need, other = (source, target) if _is_need(source) else (target, source)
    if not _is_need(need):
        return ""
    if hasattr(other, "abstract"):
        parts = _need_and_achievement(need, other, terms)
    elif hasattr(other, "expertise"):
        parts = _need_and_expert(need, other, terms)
    else:
        parts = []
    return "；".join(parts) + "。" if parts else ""


def _is_need(item: Any) -> bool:
    return hasattr(item, "description") and hasattr(item, "budget_wan")
