"""Fitting the relevance coefficients (``matching.relevance``) on a CSL-layout corpus.

The corpus is loaded and indexed exactly as ``bench quality`` does. For every title
and keyword query, the candidates the production ranking finds (its top
``CANDIDATES``, weak ones included) are pairs: the query's own abstract is relevant,
the others are not (among them the hard negatives of its own discipline). Each pair
type is fitted from the same queries encoded as it is used:

- ``query``: the query encoded as a query (a person's search);
- ``document``: the query encoded as a document (how a need meets an achievement);
- ``*_dense_only``: the cosine alone (a query the lexical side cannot read);
- ``lexical_only``: the lexical share alone (a deployment without vectors).

The model is a logistic regression on two numbers per pair, fitted by Newton's
method with a small ridge penalty: a handful of coefficients anyone can read, and
nothing that could memorise the corpus.

With ``holdout`` the papers are split in two seeded halves: the coefficients are
fitted on the queries of one half and the quality figures reported on the other.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders import Encoder
from matchmaking.bench import quality
from matchmaking.common.filters import ItemFilters
from matchmaking.config import Settings
from matchmaking.enums import Kind
from matchmaking.matching import relevance
from matchmaking.matching.relevance import PairType
from matchmaking.matching.service import Query, rank

CANDIDATES = 30
SPLIT_SEED = 20261203
Progress = Callable[[str, int, int], None]


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, iterations: int = 60
) -> list[float]:
    """[bias, w1, w2, …] of P(y=1 | x) = sigmoid(bias + w·x), by Newton's method."""
    x1 = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x1.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x1 @ w, -500, 500)))
        hessian = x1.T @ (x1 * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, x1.T @ (p - y) + penalty @ w)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return [round(float(v), 4) for v in w]


@dataclass
class Pairs:
    dense: list[float]
    lexical: list[float]
    label: list[float]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.column_stack([self.dense, self.lexical]), np.asarray(self.label)


def collect(
    bench: quality.Bench,
    corpus: quality.Corpus,
    papers: set[int],
    progress: Progress | None = None,
) -> dict[str, Pairs]:
    """The candidate pairs of the queries of ``papers`` (indices into the corpus), per
    pair type ("query", "document")."""
    manager = bench.manager
    encoder, tokenize = manager.encoder, manager.tokenizer.tokens
    out = {"query": Pairs([], [], []), "document": Pairs([], [], [])}
    texts = [
        (getattr(p, task), bench.ids[p.abstract])
        for n, p in enumerate(corpus.papers)
        if n in papers
        for task in ("title", "keywords")
        if getattr(p, task)
    ]
    with bench.factory() as session:
        for n, (text, own) in enumerate(texts):
            encoded: tuple[tuple[PairType, np.ndarray], ...] = (
                ("query", encoder.encode_queries([text])[0]),
                ("document", encoder.encode_documents([text])[0]),
            )
            for pair, vector in encoded:
                q = Query(vector=vector, tokens=tokenize(text), pair=pair)
                hits = rank(session, manager, Kind.ACHIEVEMENTS, q, limit=CANDIDATES,
                            filters=ItemFilters(), include_weak=True)  # fmt: skip
                got = out[pair]
                for m in hits:
                    if m.dense_score is None:
                        continue
                    got.dense.append(m.dense_score)
                    got.lexical.append(m.lexical_share)
                    got.label.append(1.0 if m.item.id == own else 0.0)
            if progress:
                progress("校准样本", n + 1, len(texts))
    return out


def fit(pairs: dict[str, Pairs]) -> dict[str, list[float]]:
    """The five coefficient sets ``matching.relevance`` reads, as [bias, dense, lexical]."""
    out: dict[str, list[float]] = {}
    for pair in ("query", "document"):
        x, y = pairs[pair].arrays()
        out[pair] = fit_logistic(x, y)
        bias, dense = fit_logistic(x[:, :1], y)
        out[f"{pair}_dense_only"] = [bias, dense, 0.0]
    x, y = pairs["query"].arrays()
    bias, lexical = fit_logistic(x[:, 1:], y)
    out["lexical_only"] = [bias, 0.0, lexical]
    return out


def split(n: int) -> tuple[set[int], set[int]]:
    """Two seeded halves of ``n`` papers."""
    order = list(range(n))
    random.Random(SPLIT_SEED).shuffle(order)
    return set(order[: n // 2]), set(order[n // 2 :])


def run(folder: Path, encoder: Encoder, settings: Settings, *, holdout: bool = False,
        limit: int | None = None, progress: Progress | None = None,
        nonsense: int = quality.NONSENSE) -> dict[str, Any]:  # fmt: skip
    """Fit on the corpus (or one half of it) and report the quality with the new
    coefficients (on the other half when ``holdout``)."""
    corpus = quality.load_csl(folder)
    if limit:
        corpus = quality.Corpus(corpus.papers[:limit])
    n = len(corpus.papers)
    fit_on, report_on = split(n) if holdout else (set(range(n)), set(range(n)))
    with tempfile.TemporaryDirectory(prefix="mm-calibrate-") as tmp:
        bench = quality.build(corpus, encoder, settings, Path(tmp), progress)
        coefficients = fit(collect(bench, corpus, fit_on, progress))
        fitted = settings.model_copy(
            update={"relevance_model_id": encoder.model_id, "relevance_coefficients": coefficients}
        )
        bench.settings = fitted
        bench.manager.settings = fitted
        specs, served = quality.methods(fitted)
        results = {
            name: quality.evaluate(bench, corpus, specs[name], progress, report_on, nonsense)
            for name in dict.fromkeys((served, "dense", "lexical", "rrf"))
        }
        bench.factory.kw["bind"].dispose()
    return {
        "corpus": n,
        "model_id": encoder.model_id,
        "fitted_on": len(fit_on),
        "reported_on": len(report_on),
        "holdout": holdout,
        "coefficients": coefficients,
        "line": relevance.LINE,
        "methods": results,
        "served": served,
        "served_config": specs[served],
    }
