"""Fusing a dense and a lexical score column into one ranking score.

Both functions take aligned arrays over one candidate pool: ``dense`` is the
cosine (NaN where an item has no vector yet), ``lexical`` the BM25 score
(0 where no query term occurs).
"""

from __future__ import annotations

import numpy as np


def _ranks(scores: np.ndarray, present: np.ndarray) -> np.ndarray:
    """1-based rank among the present entries (best first); 0 where absent."""
    ranks = np.zeros(len(scores), dtype=np.float64)
    idx = np.flatnonzero(present)
    if len(idx):
        order = idx[np.argsort(-scores[idx], kind="stable")]
        ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def rrf(
    dense: np.ndarray, lexical: np.ndarray, *, k: int = 60, dense_weight: float = 0.5
) -> np.ndarray:
    """Weighted reciprocal rank fusion, scaled so that first in both rankings is 1.0."""
    out = np.zeros(len(dense), dtype=np.float64)
    for scores, present, weight in (
        (dense, ~np.isnan(dense), dense_weight),
        (lexical, lexical > 0, 1.0 - dense_weight),
    ):
        ranks = _ranks(np.nan_to_num(scores), present)
        out += np.where(ranks > 0, weight / (k + ranks), 0.0)
    return out * (k + 1)


def weighted(dense: np.ndarray, lexical: np.ndarray, *, dense_weight: float = 0.5) -> np.ndarray:
    """Convex combination of the cosine and the BM25 score scaled by the pool's best."""
    d = np.clip(np.nan_to_num(dense, nan=0.0), 0.0, None)
    top = float(lexical.max()) if len(lexical) else 0.0
    lx = lexical / top if top > 0 else np.zeros_like(lexical)
    # numpy's stubs type nan_to_num and clip as Any; the result is an array.
    fused: np.ndarray = dense_weight * d + (1.0 - dense_weight) * lx
    return fused


def fuse(
    method: str, dense: np.ndarray, lexical: np.ndarray, *, k: int = 60, dense_weight: float = 0.5
) -> np.ndarray:
    if method == "rrf":
        return rrf(dense, lexical, k=k, dense_weight=dense_weight)
    if method == "weighted":
        return weighted(dense, lexical, dense_weight=dense_weight)
    # Single-signal rankings (for comparison, and for deployments that want them).
    if method == "dense":
        cosines: np.ndarray = np.nan_to_num(dense, nan=-1.0).astype(np.float64)
        return cosines
    if method == "lexical":
        return lexical.astype(np.float64)
    raise ValueError(f"unknown fusion {method!r}: use rrf, weighted, dense or lexical")
