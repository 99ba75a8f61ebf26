"""The FAISS wrapper: exact below the threshold, HNSW above, upserts and removals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings.vector_index import IndexParams, VectorIndex

DIM = 384


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


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


def _check_against(index: VectorIndex, model: dict[int, np.ndarray], dim: int) -> None:
    """What a user sees: each live item once, with its newest vector; no removed item."""
    assert len(index) == len(model)
    assert sorted(index.ids()) == sorted(model)
    ids = sorted(model)
    truth = np.stack([model[i] for i in ids]) if ids else np.zeros((0, dim), np.float32)
    rng = np.random.default_rng(len(model))
    for probe in rng.choice(ids, 5, replace=False).tolist() + [-5, 10**9]:
        if probe in model:
            assert probe in index
            stored = index.vector(probe)
            assert stored is not None
            assert np.array_equal(stored, model[probe])
            # Searching with its vector finds it first, once.
            hits = [i for i, _ in index.search(model[probe], len(model))]
            assert hits[0] == probe
            assert len(hits) == len(set(hits)) == len(model)
            assert set(hits) == set(model)
        else:
            assert probe not in index
            assert index.vector(probe) is None
    query = unit_dim(rng, 1, dim)[0]
    top = [i for i, _ in index.search(query, 10)]
    expected = [ids[n] for n in np.argsort(-(truth @ query), kind="stable")[:10]]
    assert top == expected
    pool = list(rng.choice(ids, min(300, len(ids)), replace=False)) + [10**9, -5]
    scores = index.scores_for(query, pool)
    assert np.allclose(scores[:-2], np.stack([model[int(i)] for i in pool[:-2]]) @ query)
    assert np.isnan(scores[-2:]).all()


def unit_dim(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def test_many_interleaved_changes_keep_one_current_vector_per_item() -> None:
    """Adds, updates (also twice in one batch) and removals, past several folds of the
    id lookup, then a save/load and more changes: every item is found once with its
    newest vector and a removed one is never returned."""
    dim = 16
    rng = np.random.default_rng(11)
    index = VectorIndex(dim, IndexParams(exact_threshold=10**9))
    model: dict[int, np.ndarray] = {}
    next_id = 1

    def step() -> None:
        nonlocal next_id
        op = rng.random()
        if op < 0.45 or not model:  # new items
            n = int(rng.integers(1, 400))
            ids = list(range(next_id, next_id + n))
            next_id += n
        elif op < 0.8:  # updates, some ids twice in the batch, some new
            known = rng.choice(sorted(model), int(rng.integers(1, 300)))
            ids = [int(i) for i in known] + [next_id]
            next_id += 1
        else:  # removals, including unknown ids
            gone = rng.choice(sorted(model), int(rng.integers(1, 200)), replace=False)
            index.remove([int(i) for i in gone] + [10**9])
            for i in gone.tolist():
                del model[i]
            return
        vectors = unit_dim(rng, len(ids), dim)
        index.upsert(ids, vectors)
        for i, v in zip(ids, vectors, strict=True):
            model[i] = v  # the last one given wins

    for round_ in range(40):
        step()
        if round_ % 10 == 9:
            _check_against(index, model, dim)
    # Removed ids come back as new items.
    back = list(range(1, 40))
    back_vectors = unit_dim(rng, len(back), dim)
    index.upsert(back, back_vectors)
    model.update(zip(back, back_vectors, strict=True))
    _check_against(index, model, dim)

    copy = VectorIndex.from_bytes(index.to_bytes(), dim, index.params)
    _check_against(copy, model, dim)
    assert copy.dead == index.dead
    index = copy
    for _ in range(15):
        step()
    _check_against(index, model, dim)
    index.compact()
    assert index.dead == 0
    _check_against(index, model, dim)


def test_an_id_given_twice_in_one_upsert_takes_its_last_vector() -> None:
    rng = np.random.default_rng(12)
    index = VectorIndex(DIM)
    first, second = unit(rng, 2)
    index.upsert([5, 5], np.stack([first, second]))
    assert len(index) == 1
    assert index.dead == 0
    stored = index.vector(5)
    assert stored is not None
    assert np.array_equal(stored, second)
    assert [i for i, _ in index.search(first, 5)] == [5]


def test_vector_id_maps_stay_small_per_item() -> None:
    """Issue 16: the item -> label lookup costs bytes per item, not a dict entry
    (about 120 bytes an item with a dict; the arrays are about 21 after a compact)."""
    from embeddings.sizes import vector_bytes

    dim, n = 8, 20_000
    rng = np.random.default_rng(13)
    index = VectorIndex(dim, IndexParams(exact_threshold=10**9))
    ids = rng.permutation(10 * n)[:n] + 1
    for s in range(0, n, 500):
        index.upsert(ids[s : s + 500].tolist(), unit_dim(rng, len(ids[s : s + 500]), dim))
    changed = rng.choice(ids, 300, replace=False).tolist()
    index.upsert(changed, unit_dim(rng, 300, dim))
    assert len(index) == n
    # Over-allocated label arrays (9 bytes a label) + sorted ids and labels (12 bytes)
    # + the dict of recent changes (at most 1,024 entries here).
    assert vector_bytes(index)["vector_id_maps"] / n < 40
    index.compact()
    assert vector_bytes(index)["vector_id_maps"] / n < 25


Op = tuple[Any, ...]  # ("upsert", ids, vectors) or ("remove", ids)


def _changes(rng: np.random.Generator, model: dict[int, np.ndarray], dim: int) -> list[Op]:
    """A fixed list of adds, updates and removals (applied the same to several indexes)."""
    ops: list[Op] = []
    next_id = max(model) + 1
    for round_ in range(12):
        if round_ % 3 == 0:
            ids = list(range(next_id, next_id + 40))
            next_id += 40
            ops.append(("upsert", ids, unit_dim(rng, len(ids), dim)))
        elif round_ % 3 == 1:
            ids = [int(i) for i in rng.choice(sorted(model), 30, replace=False)]
            ops.append(("upsert", ids, unit_dim(rng, len(ids), dim)))
        else:
            ops.append(("remove", [int(i) for i in rng.choice(sorted(model), 20, replace=False)]))
        if ops[-1][0] == "upsert":
            model.update(zip(ops[-1][1], ops[-1][2], strict=True))
        else:
            for i in ops[-1][1]:
                model.pop(i, None)
    return ops


def _apply(index: VectorIndex, ops: list[Op]) -> None:
    for op in ops:
        if op[0] == "upsert":
            index.upsert(op[1], op[2])
        else:
            index.remove(op[1])


def test_a_mapped_snapshot_with_an_overlay_answers_like_a_private_copy(tmp_path: Path) -> None:
    """MATCHMAKING_INDEX_MMAP: the snapshot's index is a read-only mapping of a file
    (shared by the processes that load it); changes go to a private overlay, and
    searches, scores and stored vectors are those of an ordinary index."""
    import hashlib

    dim = 32
    rng = np.random.default_rng(21)
    source = VectorIndex(dim, IndexParams(exact_threshold=10**9))
    model = dict(zip(range(1, 601), unit_dim(rng, 600, dim), strict=True))
    source.upsert(list(model), np.stack(list(model.values())))
    source.remove([5, 6])
    del model[5], model[6]
    snapshot = source.to_bytes()

    path = tmp_path / "vectors.faiss"
    private = VectorIndex.from_bytes(snapshot, dim, source.params)
    mapped = VectorIndex.from_bytes(snapshot, dim, source.params, map_to=path)
    assert mapped.mapped
    assert not private.mapped
    on_disk = hashlib.sha256(path.read_bytes()).hexdigest()
    base_rows = mapped.index.ntotal

    ops = _changes(rng, model, dim)
    _apply(private, ops)
    _apply(mapped, ops)
    # Every change went to the overlay: the mapped index and its file are untouched.
    assert mapped.index.ntotal == base_rows
    assert mapped.overlay_size > 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == on_disk
    _check_against(mapped, model, dim)
    for q in unit_dim(rng, 20, dim):
        assert mapped.search(q, 10) == private.search(q, 10)
        assert mapped.exact_search(q, 10) == private.exact_search(q, 10)
    pool = [*sorted(model)[:200], 5, 10**6]
    assert np.array_equal(mapped.scores_for(q, pool), private.scores_for(q, pool), equal_nan=True)

    # A second load of the same snapshot maps the same file (no second write).
    again = VectorIndex.from_bytes(snapshot, dim, source.params, map_to=path)
    assert again.mapped
    assert again.search(q, 10) == source.search(q, 10)

    # Its own snapshot holds base and overlay; compact folds the overlay in.
    copy = VectorIndex.from_bytes(mapped.to_bytes(), dim, source.params)
    _check_against(copy, model, dim)
    mapped.compact()
    assert not mapped.mapped
    _check_against(mapped, model, dim)
    mapped.upsert([10**5], unit_dim(rng, 1, dim))
    assert 10**5 in mapped


def test_a_mapped_hnsw_snapshot_finds_base_and_overlay_items(tmp_path: Path) -> None:
    for storage in ("flat", "sq8"):
        rng = np.random.default_rng(22)
        params = IndexParams(exact_threshold=1500, hnsw_storage=storage)
        source = VectorIndex(DIM, params)
        data = unit(rng, 2000)
        source.upsert(list(range(2000)), data)
        mapped = VectorIndex.from_bytes(
            source.to_bytes(), DIM, params, map_to=tmp_path / f"{storage}.faiss"
        )
        assert mapped.mapped
        assert mapped.kind == ("hnsw" if storage == "flat" else "hnsw-sq8")
        fresh = unit(rng, 50)
        mapped.upsert(list(range(5000, 5050)), fresh)  # new items: the overlay
        mapped.upsert([7], fresh[:1])  # an update: tombstone in the base
        mapped.remove([8])
        assert mapped.index.ntotal == 2000
        assert [i for i, _ in mapped.search(fresh[3], 1)] == [5003]
        assert {i for i, _ in mapped.search(fresh[0], 2)} == {7, 5000}
        assert mapped.search(data[100], 1)[0][0] == 100
        assert 8 not in {i for i, _ in mapped.search(data[8], 50)}
        assert 7 not in {i for i, _ in mapped.search(data[7], 3)}
        assert len(mapped) == 2049
        stored = mapped.vector(5003)
        assert stored is not None
        assert np.array_equal(stored, fresh[3])  # overlay rows are float32


def test_a_large_overlay_is_folded_into_a_private_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The overlay is searched row by row: past its limit the index becomes private
    (a full copy), with every item still found."""
    import embeddings.vector_index as vector_index

    monkeypatch.setattr(vector_index, "OVERLAY_LIMIT", 50)
    rng = np.random.default_rng(23)
    source = VectorIndex(DIM)
    data = unit(rng, 300)
    source.upsert(list(range(300)), data)
    mapped = VectorIndex.from_bytes(source.to_bytes(), DIM, map_to=tmp_path / "v.faiss")
    more = unit(rng, 60)
    mapped.upsert(list(range(300, 330)), more[:30])
    assert mapped.mapped
    assert mapped.overlay_size == 30
    mapped.upsert(list(range(330, 360)), more[30:])
    assert not mapped.mapped
    assert len(mapped) == 360
    assert mapped.dead == 0
    assert mapped.search(more[45], 1)[0][0] == 345
    assert mapped.search(data[12], 1)[0][0] == 12
