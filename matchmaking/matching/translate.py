"""Queries typed in English over Chinese items: the domain glossary's Chinese terms.

The packaged encoder aligns English and Chinese loosely: for "ballast water
treatment" the ballast-water achievements score 0.76 against 0.77 for water-based
paints, and the lexical index knows none of the words. A glossary of the platform's
fields (``glossary_en.txt``) gives the Chinese terms of the English phrases it
knows, longest phrase first; the search then reads the query with those terms added,
so both sides have something to say. Words it does not know stay as they are.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9+\-]*")
_MAX_WORDS = 5


@cache
def glossary() -> dict[tuple[str, ...], str]:
    text = resources.files("matchmaking.matching").joinpath("glossary_en.txt").read_text("utf-8")
    out: dict[tuple[str, ...], str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        words = tuple(_LATIN_WORD.findall(english.lower()))
        if words and chinese.strip():
            out[words] = chinese.strip()
    return out


def chinese_terms(query: str) -> str:
    """The Chinese terms of the English phrases in ``query`` ("" when it has none)."""
    words = _LATIN_WORD.findall(query.lower())
    table = glossary()
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            terms = table.get(tuple(words[i : i + n]))
            if terms:
                found.extend(t for t in terms.split() if t not in found)
                i += n
                break
        else:
            i += 1
    return " ".join(found)
