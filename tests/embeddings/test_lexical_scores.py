"""BM25 from the query's postings: exact scores for any item, candidates from rare terms."""

from __future__ import annotations

import random

import numpy as np

from embeddings.lexical import LexicalIndex


def _corpus(seed: int = 3) -> LexicalIndex:
    rng = random.Random(seed)
    common = [f"常见{i}" for i in range(20)]  # in almost every document
    rare = [f"术语{i}" for i in range(400)]
    index = LexicalIndex()
    for item_id in range(100, 1100):
        tokens = rng.choices(common, k=30) + rng.choices(rare, k=5)
        index.upsert(item_id, tokens)
    index.upsert(5000, ["术语7", "术语7", "术语9", "常见1"])
    index.rebuild()
    return index


def test_scores_of_items_equal_bm25_whatever_the_candidate_budget() -> None:
    index = _corpus()
    query = ["常见1", "常见2", "常见2", "术语7", "术语9", "不存在的词"]
    ids, reference = index.scores(query)
    expected = {item_id: float(reference[n]) for n, item_id in enumerate(ids)}
    asked = [*random.Random(1).sample(ids, 200), 5000, 999_999]
    for budget in (10**9, 50):
        got = index.query(query, budget=budget).of(asked)
        want = [expected.get(i, 0.0) for i in asked]
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6)
    # A budget smaller than the common terms' postings leaves them out of the candidates...
    assert not index.query(query, budget=50).exact
    assert index.query(query, budget=10**9).exact


def test_candidates_come_from_the_informative_terms() -> None:
    index = _corpus()
    query = ["常见1", "常见2", "术语7", "术语9"]
    ids, reference = index.scores(query)
    best = ids[int(np.argmax(reference))]
    assert best == 5000
    # ...but the document that has the rare terms is still the first candidate.
    small = index.query(query, budget=50)
    top = small.top(5)
    assert 5000 in top
    assert small.top(1) == [5000]
    assert index.query([], budget=50).top(5) == []
    assert index.query(["不存在的词"]).top(5) == []
