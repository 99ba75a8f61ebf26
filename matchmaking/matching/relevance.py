"""Calibrated relevance: an absolute 0–1 estimate for one pair, the same on every page.

The ranking (RRF over the dense and lexical rankings) orders a list, but its numbers
depend on the other items in the list. The relevance of a pair does not: it is a
logistic model of two signals of that pair alone,

- ``dense``: the cosine of the two texts' vectors, and
- ``lexical``: the pair's BM25 score as a share of what the query's terms could
  score at best in this index (the sum over the query's indexed terms of each term's
  highest score in any item), so it is on 0–1 whatever the query's length,

fitted on the CSL dev split (``matchmaking calibrate``): a title or keyword query
and its own abstract are relevant; the other abstracts among its candidates
(the hard negatives of its own discipline among them) are not. A pair is either a
*query* (a short search typed by a person, encoded as a query) or a *document* (a
need, an achievement or an expert compared with another item: both encoded as
documents, whose cosines run higher), and each has its coefficients.

When the lexical side cannot say anything about a query (most of its words unknown to
the index: ``lexical_roles``) the dense-only coefficients are used; the ranking drops
the lexical side too unless the query is Chinese.

Coefficients belong to one encoder (its ``model_id``): a deployment that changes
the model without refitting is refused (``CalibrationMismatch``), never silently
miscalibrated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matchmaking.exceptions import ConfigurationError
from matchmaking.matching.explain import has_chinese

PairType = Literal["query", "document"]

# Where a result stops being shown as a match, and the bands above it.
# The model estimates the chance that a pair is *the* item sought (a paper's own
# abstract, among the hard negatives of its discipline), so good but not exact matches
# score low: the line at 2 % keeps 98 % of real queries' answers on the CSL dev split
# and leaves nonsense queries with nothing (docs/benchmarks.md §1).
LINE = 0.02
BANDS = ((0.6, "高度相关"), (0.25, "相关"), (LINE, "可能相关"))
# Below this share of a query's words found in the lexical index, the lexical side
# says nothing worth fusing (measured: Chinese queries over Chinese items 0.8–1.0).
LEXICAL_TRUST_MIN = 0.5
# A query at least this share of whose words are written in Chinese characters is read
# as Chinese: its lexical side is always fused, even when few of its words are indexed
# (those few still rank well: MRR@10 on CSL dev drops ~0.001 if such queries lose it).
CHINESE_QUERY_MIN = 0.5


def mostly_chinese(tokens: Sequence[str]) -> bool:
    """At least ``CHINESE_QUERY_MIN`` of the query's words are Chinese."""
    words = [t for t in tokens if t.strip()]
    return bool(words) and sum(map(has_chinese, words)) >= CHINESE_QUERY_MIN * len(words)


def lexical_roles(tokens: Sequence[str], coverage: float) -> tuple[bool, bool]:
    """Whether the lexical side (BM25) ranks this query, and whether its share enters the
    relevance estimate; ``coverage`` is the share of its words the index knows.

    - It ranks a Chinese query always, any other (English over Chinese items) only when
      the index knows at least ``LEXICAL_TRUST_MIN`` of its words: otherwise its ranking
      rests on a stray word ("water").
    - Its share (of what the query's *known* words could score) counts only with that
      coverage: with one known word in six, one item scores the whole "attainable" share
      and a nonsense query ("funny cat videos 婚礼跟拍摄影套餐") would look relevant; the
      estimate then uses the cosine alone.
    """
    covered = coverage >= LEXICAL_TRUST_MIN
    return covered or mostly_chinese(tokens), covered


class CalibrationMismatch(ConfigurationError):
    """The relevance coefficients were fitted for another encoder."""


@dataclass(frozen=True)
class Coefficients:
    bias: float
    dense: float
    lexical: float

    def p(self, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        z = self.bias + self.dense * dense + self.lexical * lexical
        # exp of a large positive number overflows; such a pair is 0 anyway.
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -700.0, 700.0))))


@dataclass(frozen=True)
class Calibration:
    model_id: str
    query: Coefficients
    query_dense_only: Coefficients
    document: Coefficients
    document_dense_only: Coefficients
    lexical_only: Coefficients  # a deployment ranking by BM25 alone (no vectors)

    def relevances(
        self, pair: PairType, dense: np.ndarray, lexical: np.ndarray, *, trust_lexical: bool = True
    ) -> np.ndarray:
        """The estimates for many pairs of one type at once: ``dense`` their cosines (NaN:
        no vector), ``lexical`` their BM25 shares of the attainable (0–1). Each pair's
        estimate reads that pair's two numbers only."""
        d = np.asarray(dense, dtype=np.float64)
        lex = np.clip(np.asarray(lexical, dtype=np.float64), 0.0, 1.0)
        if trust_lexical:
            out = (self.query if pair == "query" else self.document).p(d, lex)
        else:
            c = self.query_dense_only if pair == "query" else self.document_dense_only
            out = c.p(d, np.zeros_like(lex))
        missing = np.isnan(d)
        if missing.any():
            out = np.where(missing, self.lexical_only.p(np.zeros_like(lex), lex), out)
        return np.round(out, 4)

    def relevance(
        self, pair: PairType, dense: float | None, lexical: float, *, trust_lexical: bool = True
    ) -> float:
        """The estimate for one pair: ``dense`` its cosine (None: no vector), ``lexical``
        its BM25 share of the attainable (0–1)."""
        d = np.array([np.nan if dense is None else dense])
        return float(self.relevances(pair, d, np.array([lexical]), trust_lexical=trust_lexical)[0])


def percent(value: float) -> str:
    """A 0–1 relevance (or fit) as users read it everywhere: "62%"."""
    return f"{round(float(value) * 100)}%"


def band(relevance: float) -> str | None:
    """The band shown beside the percentage; None below the line (not a match)."""
    return next((name for floor, name in BANDS if relevance >= floor), None)


def above_line(relevance: float) -> bool:
    return relevance >= LINE


def check(calibration: Calibration, model_id: str) -> Calibration:
    """The calibration, if it belongs to ``model_id``; refused otherwise."""
    if calibration.model_id != model_id:
        raise CalibrationMismatch(
            f"相关度系数是为编码模型 {calibration.model_id} 拟合的，当前模型是 {model_id}："
            "请运行 matchmaking calibrate 重新拟合，并按其输出设置 MATCHMAKING_RELEVANCE_*"
        )
    return calibration


_NAMES = ("query", "query_dense_only", "document", "document_dense_only", "lexical_only")


def from_settings(
    model_id: str, coefficients: dict[str, list[float]], expected: str
) -> Calibration:
    """The calibration the settings give, checked against the encoder's ``expected`` id."""
    missing = [n for n in _NAMES if len(coefficients.get(n, ())) != 3]
    if missing:
        raise ConfigurationError(
            "MATCHMAKING_RELEVANCE_COEFFICIENTS 需要为 " + "、".join(missing) + " 各给出 3 个系数"
        )
    parts = {n: Coefficients(*(float(x) for x in coefficients[n])) for n in _NAMES}
    return check(Calibration(model_id=model_id, **parts), expected)
