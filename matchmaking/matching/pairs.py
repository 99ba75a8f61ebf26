"""How well two things fit, on one absolute 0–1 scale: the one owner of pair scoring.

The recommender ranks (its fused RRF score is rank-based: in a pool of six experts the
last one still scores 0.59), so it cannot say whether a pair is good enough. A pair's
*fit* can: it is the calibrated relevance of the pair (``matching.relevance``), from
its cosine and its BM25 share, the same number the recommender shows for it, and
``FIT_THRESHOLD`` is the relevance line.

A pair is a *query* side (a need, a diagnosis request: what is looked for) and a
*document* item of one kind (an achievement, an expert: what is offered), scored as
the recommender scores a source item: the query's document vector against the item's
stored vector, BM25 of the query's tokens among the items of that kind, and the shared
terms the recommender shows. Event schedules and visit assignments both score through
``score_pairs``, so "匹配度 62%" means the same on both and on the recommendation lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.enums import Kind
from matchmaking.matching import relevance
from matchmaking.matching.embedding import from_blob
from matchmaking.matching.indexes import IndexManager, KindIndex
from matchmaking.matching.service import Match, shared_terms
from matchmaking.matching.text import item_text
from matchmaking.models import Achievement, Embedding, Expert, Need

FIT_THRESHOLD = relevance.LINE

Item = Need | Achievement | Expert
# The kinds a pair's document side is (their BM25 statistics and idf are read).
OFFER_KINDS = (Kind.ACHIEVEMENTS, Kind.EXPERTS)


def fit_of(match: Match) -> float:
    """The calibrated fit of a recommender match (its fused score only orders a list)."""
    return match.relevance


@dataclass(frozen=True)
class Side:
    """One side of a pair as it is scored: its vector (None until embedded), its tokens."""

    vector: np.ndarray | None
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class PairFit:
    score: float  # the calibrated fit, 0–1
    dense: float | None  # the cosine (None: a side has no vector)
    lexical: float  # BM25 of the query's tokens for the item
    lexical_share: float = 0.0  # the same as a share of what the query could score


def ready(manager: IndexManager) -> None:
    """Load and catch up the indexes pairs are scored with. Call it with no write
    transaction open: a first load builds them, and that writes (a snapshot, and on
    SQLite a sampled ANALYZE, which would wait for the caller's own write lock)."""
    for kind in OFFER_KINDS:
        manager.get(kind)
    manager.sync()


def text_side(manager: IndexManager, text: str) -> Side:
    """A query that is not a stored item (a diagnosis request): encoded as a document,
    as the items it is compared with were, so its cosines are on the same scale."""
    lexical_only = manager.settings.fusion == "lexical"
    vector = None if lexical_only else manager.encoder.encode_documents([text])[0]
    return Side(vector, tuple(manager.tokenizer.tokens(text)))


def item_sides(
    session: Session, manager: IndexManager, kind: Kind, items: Iterable[Item]
) -> dict[int, Side]:
    """Stored items as pair sides: the current model's vector of their current text
    (none while the worker has not embedded it), and the tokens of that text."""
    by_id = {item.id: item for item in items}
    vectors: dict[int, np.ndarray] = {}
    # A deployment ranking by BM25 alone scores pairs by it alone too (as ``text_side``).
    if by_id and manager.settings.fusion != "lexical":
        rows = session.execute(
            select(Embedding.item_id, Embedding.text_hash, Embedding.dim, Embedding.vector).where(
                Embedding.kind == kind.value,
                Embedding.model_id == manager.model_id,
                Embedding.item_id.in_(list(by_id)),
            )
        )
        for item_id, digest, dim, blob in rows:
            # A vector of an older text explains that text, not this one.
            if by_id[item_id].text_hash == digest:
                vectors[item_id] = from_blob(blob, dim)
    tokenize = manager.tokenizer.tokens
    return {
        i: Side(vectors.get(i), tuple(tokenize(item_text(kind, item)))) for i, item in by_id.items()
    }


def score_pairs(
    ki: KindIndex, query: Side, docs: Mapping[int, Side], calibration: relevance.Calibration
) -> dict[int, PairFit]:
    """The fit of ``query`` with each item of ``ki``'s kind in ``docs`` (id -> side)."""
    ids = list(docs)
    # Exact BM25 with the kind's corpus statistics (0 for an item not indexed: closed).
    scores = ki.lexical.query(query.tokens)
    bm25 = scores.of(ids) if ids else np.zeros(0)
    shares = scores.shares(bm25)

    # Each pair's cosine on its own, so a pair's number never depends on what it was
    # scored with (NaN where a side has no vector yet).
    def cosine(doc: np.ndarray | None) -> float:
        if query.vector is None or doc is None:
            return float("nan")
        return round(float(np.dot(query.vector, doc)), 6)

    dense = np.array([cosine(docs[i].vector) for i in ids], dtype=np.float64)
    fits = calibration.relevances("document", dense, np.asarray(shares, dtype=np.float64))
    return {
        item_id: PairFit(
            float(fit),
            None if np.isnan(d) else float(d),
            round(float(lexical), 6),
            round(float(share), 6),
        )
        for item_id, d, lexical, share, fit in zip(ids, dense, bm25, shares, fits, strict=True)
    }


def pair_terms(ki: KindIndex, query: Side, doc: Side) -> list[str]:
    """The key terms both sides use, as the recommender explains a match."""
    return shared_terms(ki, query.tokens, doc.tokens)


def fit_for(
    session: Session, manager: IndexManager, need_id: int, target_kind: str, target_id: int
) -> float | None:
    """The calibrated fit of a need with an achievement or expert, as the platform
    computes it (a docking records this, never a number a client sends). None when
    either side is missing (the caller's checks say why) or the kind is not offered."""
    kinds = {k.value: k for k in OFFER_KINDS}
    kind = kinds.get(target_kind)
    if kind is None:
        return None
    target: Achievement | Expert | None = (
        session.get(Achievement, target_id)
        if kind == Kind.ACHIEVEMENTS
        else session.get(Expert, target_id)
    )
    need = session.get(Need, need_id)
    if need is None or target is None:
        return None
    ready(manager)
    query = item_sides(session, manager, Kind.NEEDS, [need])[need.id]
    docs = item_sides(session, manager, kind, [target])
    return score_pairs(manager.get(kind), query, docs, manager.calibration)[target.id].score
