"""The FAISS wrapper: exact below the threshold, HNSW above, upserts and removals."""

from __future__ import annotations

import numpy as np

from embeddings.vector_index import IndexParams, VectorIndex

DIM = 384


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_index_finds_the_nearest_and_honours_removals() -> None:
    rng = np.random.default_rng(1)
    index = VectorIndex(DIM, IndexParams(exact_threshold=1000))
    vectors = unit(rng, 200)
    index.upsert(list(range(1, 201)), vectors)
    assert index.kind == "flat"
    assert index.search(vectors[41], 1)[0][0] == 42
    index.remove([42])
    assert 42 not in [i for i, _ in index.search(vectors[41], 10)]
    assert len(index) == 199
    # Replacing a vector moves the item.
    index.upsert([7], vectors[99:100])
    hits = [i for i, _ in index.search(vectors[99], 2)]
    assert set(hits) == {7, 100}


def test_index_switches_to_hnsw_above_threshold_with_good_recall() -> None:
    rng = np.random.default_rng(2)
    params = IndexParams(exact_threshold=3000, hnsw_m=32, hnsw_ef_search=128)
    index = VectorIndex(DIM, params)
    data = unit(rng, 4000)
    index.upsert(list(range(4000)), data)
    assert index.kind == "hnsw"
    queries = unit(rng, 100)
    recall = []
    for q in queries:
        approx = {i for i, _ in index.search(q, 10)}
        exact = {i for i, _ in index.exact_search(q, 10)}
        recall.append(len(approx & exact) / 10)
    assert np.mean(recall) >= 0.95
    # Shrinking well below the threshold goes back to exact search.
    index.remove(range(1500, 4000))
    assert index.kind == "flat"
    assert len(index) == 1500


def test_snapshot_bytes_round_trip() -> None:
    rng = np.random.default_rng(3)
    index = VectorIndex(DIM)
    vectors = unit(rng, 50)
    index.upsert(list(range(50)), vectors)
    index.remove([3])
    copy = VectorIndex.from_bytes(index.to_bytes(), DIM)
    assert len(copy) == 49
    assert copy.search(vectors[10], 1)[0][0] == 10
    assert 3 not in copy


def test_scores_for_reports_missing_vectors_as_nan() -> None:
    rng = np.random.default_rng(4)
    index = VectorIndex(DIM)
    vectors = unit(rng, 3)
    index.upsert([1, 2], vectors[:2])
    scores = index.scores_for(vectors[0], [1, 2, 99])
    assert scores[0] > 0.99
    assert np.isnan(scores[2])


def test_sq8_storage_keeps_recall_and_survives_snapshots_and_updates() -> None:
    """8-bit vectors (a quarter of the memory): the same answers, near-exact scores."""
    rng = np.random.default_rng(4)
    params = IndexParams(exact_threshold=1500, hnsw_storage="sq8")
    index = VectorIndex(DIM, params)
    data = unit(rng, 2000)
    index.upsert(list(range(2000)), data)
    assert index.kind == "hnsw-sq8"
    hits = sum(index.search(data[i], 1)[0][0] == i for i in range(0, 2000, 20))
    assert hits >= 95
    stored = index.vector(5)
    assert stored is not None
    assert np.abs(stored - data[5]).max() < 0.01
    assert np.allclose(index.scores_for(data[5], [5, 6]), data[[5, 6]] @ data[5], atol=0.02)
    copy = VectorIndex.from_bytes(index.to_bytes(), DIM, params)
    assert copy.kind == "hnsw-sq8"
    assert copy.search(data[77], 1)[0][0] == 77
    # An update moves the item; the old position is a tombstone.
    copy.upsert([77], data[1999:2000])
    assert {i for i, _ in copy.search(data[1999], 2)} == {77, 1999}
    assert copy.exact_search(data[1999], 2)[0][0] in {77, 1999}
