"""A FAISS index of item vectors keyed by item id, with updates and removals.

FAISS labels are positions in an append-only table; an update appends a new
row and tombstones the old one, a removal tombstones. Tombstones are skipped at
search time and dropped by ``compact``. The index type follows size: exact
inner product (``IndexFlatIP``) below ``exact_threshold`` live vectors, HNSW
above it (recall@10 is measured by ``matchmaking bench perf``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np


@dataclass(frozen=True)
class IndexParams:
    exact_threshold: int = 20_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    hnsw_ef_construction: int = 80


class VectorIndex:
    def __init__(self, dim: int, params: IndexParams | None = None) -> None:
        self.dim = dim
        self.params = params or IndexParams()
        self._ids = np.zeros(0, dtype=np.int64)  # label -> item id
        self._live = np.zeros(0, dtype=bool)  # label -> still current?
        self._vectors = np.zeros((0, dim), dtype=np.float32)  # label -> vector
        self._size = 0  # labels in use (arrays are over-allocated)
        self._pos: dict[int, int] = {}  # item id -> label
        self.index = self._new_index(hnsw=False)

    # -- shape -------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSWFlat) else "flat"

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def dead(self) -> int:
        return self._size - len(self._pos)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._pos

    def ids(self) -> list[int]:
        return list(self._pos)

    def _new_index(self, hnsw: bool) -> faiss.Index:
        if hnsw:
            index = faiss.IndexHNSWFlat(self.dim, self.params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.params.hnsw_ef_construction
            index.hnsw.efSearch = self.params.hnsw_ef_search
            return index
        return faiss.IndexFlatIP(self.dim)

    def _reserve(self, extra: int) -> None:
        need = self._size + extra
        if need <= len(self._ids):
            return
        cap = max(need, 2 * len(self._ids), 1024)
        ids = np.zeros(cap, dtype=np.int64)
        live = np.zeros(cap, dtype=bool)
        vectors = np.zeros((cap, self.dim), dtype=np.float32)
        ids[: self._size] = self._ids[: self._size]
        live[: self._size] = self._live[: self._size]
        vectors[: self._size] = self._vectors[: self._size]
        self._ids, self._live, self._vectors = ids, live, vectors

    # -- changes -----------------------------------------------------------
    def upsert(self, item_ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add or replace the vectors of ``item_ids`` (rows already L2-normalised)."""
        if len(item_ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(item_ids), self.dim)
        keep = []
        for row, item_id in enumerate(item_ids):
            label = self._pos.get(int(item_id))
            if label is not None:
                if np.array_equal(self._vectors[label], vectors[row]):
                    continue
                self._live[label] = False
                del self._pos[int(item_id)]
            keep.append(row)
        if not keep:
            return
        rows = vectors[keep]
        self._reserve(len(keep))
        start = self._size
        for offset, row in enumerate(keep):
            self._pos[int(item_ids[row])] = start + offset
        self._ids[start : start + len(keep)] = [int(item_ids[r]) for r in keep]
        self._live[start : start + len(keep)] = True
        self._vectors[start : start + len(keep)] = rows
        self._size += len(keep)
        self.index.add(rows)
        self._maybe_reshape()

    def remove(self, item_ids: Iterable[int]) -> None:
        for item_id in item_ids:
            label = self._pos.pop(int(item_id), None)
            if label is not None:
                self._live[label] = False
        self._maybe_reshape()

    def _maybe_reshape(self) -> None:
        n, threshold = len(self), self.params.exact_threshold
        # 20% hysteresis so a count hovering at the threshold does not flip-flop.
        if (self.kind == "flat" and n >= threshold) or (
            self.kind == "hnsw" and n < 0.8 * threshold
        ):
            self.compact()
        elif self.dead > 1000 and self.dead > len(self):
            # Tombstones cost search time; once they outnumber the living, rebuild.
            self.compact()

    def compact(self) -> None:
        """Rebuild with live rows only; the index type is chosen again by size."""
        live = np.flatnonzero(self._live[: self._size])
        ids = self._ids[live].copy()
        vectors = self._vectors[live].copy()
        self._ids, self._live, self._vectors = ids, np.ones(len(ids), dtype=bool), vectors
        self._size = len(ids)
        self._pos = {int(i): n for n, i in enumerate(ids)}
        n, threshold = len(ids), self.params.exact_threshold
        self.index = self._new_index(
            n >= threshold or (self.kind == "hnsw" and n >= 0.8 * threshold)
        )
        if len(ids):
            self.index.add(vectors)

    # -- queries -----------------------------------------------------------
    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top ``k`` live items by inner product, best first."""
        if not self._pos or k <= 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        want = min(self._size, k + self.dead)
        if isinstance(self.index, faiss.IndexHNSWFlat):
            self.index.hnsw.efSearch = max(self.params.hnsw_ef_search, want)
        scores, labels = self.index.search(q, want)
        out: list[tuple[int, float]] = []
        for score, label in zip(scores[0], labels[0], strict=True):
            if label < 0 or not self._live[label]:
                continue
            out.append((int(self._ids[label]), float(score)))
            if len(out) == k:
                break
        return out

    def vector(self, item_id: int) -> np.ndarray | None:
        label = self._pos.get(item_id)
        return None if label is None else self._vectors[label]

    def scores_for(self, query: np.ndarray, item_ids: Sequence[int]) -> np.ndarray:
        """Exact inner products with the given items (NaN where an item has no vector)."""
        out = np.full(len(item_ids), np.nan, dtype=np.float32)
        labels = [self._pos.get(int(i), -1) for i in item_ids]
        present = [n for n, label in enumerate(labels) if label >= 0]
        if present:
            rows = self._vectors[[labels[n] for n in present]]
            out[present] = rows @ np.asarray(query, dtype=np.float32).reshape(self.dim)
        return out

    def exact_search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Brute-force top ``k`` over the stored vectors (the ground truth for recall)."""
        live = np.flatnonzero(self._live[: self._size])
        if not len(live):
            return []
        scores = self._vectors[live] @ np.asarray(query, dtype=np.float32).reshape(self.dim)
        k = min(k, len(live))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self._ids[live[t]]), float(scores[t])) for t in top]

    # -- persistence -------------------------------------------------------
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(
            buf,
            ids=self._ids[: self._size],
            live=self._live[: self._size],
            vectors=self._vectors[: self._size],
            index=faiss.serialize_index(self.index),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, dim: int, params: IndexParams | None = None) -> VectorIndex:
        self = cls(dim, params)
        with np.load(io.BytesIO(data)) as z:
            ids, live, vectors = z["ids"], z["live"], z["vectors"]
            index = faiss.deserialize_index(z["index"])
        if vectors.shape[1:] != (dim,) or index.d != dim or index.ntotal != len(ids):
            raise ValueError("vector snapshot does not match its own shape")
        self._ids, self._live, self._vectors = ids.copy(), live.copy(), vectors.copy()
        self._size = len(ids)
        self._pos = {int(ids[n]): int(n) for n in np.flatnonzero(live)}
        self.index = index
        if isinstance(index, faiss.IndexHNSWFlat):
            index.hnsw.efSearch = self.params.hnsw_ef_search
        return self
