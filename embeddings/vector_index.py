"""A FAISS index of item vectors keyed by item id, with updates and removals.

FAISS labels are positions in an append-only table; an update appends a new
row and tombstones the old one, a removal tombstones. Tombstones are skipped at
search time and dropped by ``compact``. The index type follows size: exact
inner product (``IndexFlatIP``) below ``exact_threshold`` live vectors, HNSW
above it (recall@10 is measured by ``matchmaking bench perf``).

The vectors are stored once, inside the FAISS index: float32 rows for the flat
index and for HNSW with ``storage="flat"``, 8-bit codes for ``storage="sq8"``
(a quarter of the memory, for a million items; reads then return decoded
vectors, within about 0.002 of each coordinate). Reads go through views of the
index's own storage, which an ``add`` may move: callers hold the owner's lock.
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
    # "flat": float32 vectors; "sq8": 8-bit scalar quantised (HNSW only).
    hnsw_storage: str = "flat"


class VectorIndex:
    def __init__(self, dim: int, params: IndexParams | None = None) -> None:
        self.dim = dim
        self.params = params or IndexParams()
        self._ids = np.zeros(0, dtype=np.int64)  # label -> item id
        self._live = np.zeros(0, dtype=bool)  # label -> still current?
        self._size = 0  # labels in use (arrays are over-allocated)
        self._pos: dict[int, int] = {}  # item id -> label
        self._view: tuple[faiss.Index, np.ndarray | None] | None = None
        self.index = self._new_index(hnsw=False)

    # -- shape -------------------------------------------------------------
    @property
    def kind(self) -> str:
        if isinstance(self.index, faiss.IndexHNSWSQ):
            return "hnsw-sq8"
        return "hnsw" if self._hnsw else "flat"

    @property
    def _hnsw(self) -> bool:
        return isinstance(self.index, faiss.IndexHNSW)

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def dead(self) -> int:
        return self._size - len(self._pos)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._pos

    def ids(self) -> list[int]:
        return list(self._pos)

    def _new_index(self, hnsw: bool, train: np.ndarray | None = None) -> faiss.Index:
        if hnsw:
            index: faiss.IndexHNSW
            if self.params.hnsw_storage == "sq8" and train is not None and len(train):
                qt = faiss.ScalarQuantizer.QT_8bit  # an int; the stubs say ScalarQuantizer
                index = faiss.IndexHNSWSQ(
                    self.dim,
                    qt,  # type: ignore[arg-type]
                    self.params.hnsw_m,
                    faiss.METRIC_INNER_PRODUCT,
                )
                # Per-dimension ranges from (a sample of) the vectors it is built with.
                index.train(train[:: max(1, len(train) // 100_000)])
            else:
                index = faiss.IndexHNSWFlat(
                    self.dim, self.params.hnsw_m, faiss.METRIC_INNER_PRODUCT
                )
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
        ids[: self._size] = self._ids[: self._size]
        live[: self._size] = self._live[: self._size]
        self._ids, self._live = ids, live

    # -- the stored vectors ----------------------------------------------------
    def _flat_view(self) -> np.ndarray | None:
        """The float32 rows inside the index (no copy), or None for quantised storage.

        Kept until the index changes (``_changed``): an ``add`` may move the storage.
        """
        cached = self._view
        if cached is not None and cached[0] is self.index:
            return cached[1]
        view = self._make_view()
        self._view = (self.index, view)
        return view

    def _changed(self) -> None:
        self._view = None

    def _make_view(self) -> np.ndarray | None:
        index = self.index
        if isinstance(index, faiss.IndexHNSW):
            index = faiss.downcast_index(index.storage)
        if not isinstance(index, faiss.IndexFlat):
            return None
        n = index.ntotal
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        view: np.ndarray = faiss.rev_swig_ptr(index.get_xb(), n * self.dim)
        return view.reshape(n, self.dim)

    def _rows(self, labels: np.ndarray) -> np.ndarray:
        """The vectors at these labels (decoded for quantised storage), a new array."""
        labels = np.asarray(labels, dtype=np.int64)
        view = self._flat_view()
        if view is not None:
            return np.array(view[labels], dtype=np.float32)
        if not len(labels):
            return np.zeros((0, self.dim), dtype=np.float32)
        rows: np.ndarray = self.index.reconstruct_batch(labels)
        return rows

    def _same(self, label: int, vector: np.ndarray) -> bool:
        stored = self._rows(np.array([label]))[0]
        if self._flat_view() is not None:
            return bool(np.array_equal(stored, vector))
        return bool(np.allclose(stored, vector, atol=0.01))  # within the 8-bit step

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
                if self._same(label, vectors[row]):
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
        self._size += len(keep)
        self._changed()
        self.index.add(rows)
        self._changed()
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
        if (not self._hnsw and n >= threshold) or (self._hnsw and n < 0.8 * threshold):
            self.compact()
        elif self.dead > 1000 and self.dead > len(self):
            # Tombstones cost search time; once they outnumber the living, rebuild.
            self.compact()

    def compact(self) -> None:
        """Rebuild with live rows only; the index type is chosen again by size."""
        was_hnsw = self._hnsw
        live = np.flatnonzero(self._live[: self._size])
        vectors = self._rows(live)
        ids = self._ids[live].copy()
        self._ids, self._live = ids, np.ones(len(ids), dtype=bool)
        self._size = len(ids)
        self._pos = {int(i): n for n, i in enumerate(ids)}
        n, threshold = len(ids), self.params.exact_threshold
        # The old index goes before the new one is built: the vectors are held once.
        self._changed()
        self.index = faiss.IndexFlatIP(self.dim)
        self.index = self._new_index(
            n >= threshold or (was_hnsw and n >= 0.8 * threshold), train=vectors
        )
        if len(ids):
            self.index.add(vectors)
        self._changed()

    # -- queries -----------------------------------------------------------
    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top ``k`` live items by inner product, best first."""
        if not self._pos or k <= 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        want = min(self._size, k + self.dead)
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = max(self.params.hnsw_ef_search, want)
        scores, labels = self.index.search(q, want)
        found, sims = labels[0], scores[0]
        # Live hits, best first (a loop over the few hundred labels cost more than FAISS).
        ok = found >= 0
        ok[ok] = self._live[found[ok]]
        hit = np.flatnonzero(ok)[:k]
        ids: list[int] = self._ids[found[hit]].tolist()
        values: list[float] = sims[hit].astype(np.float64).tolist()
        return list(zip(ids, values, strict=True))

    def vector(self, item_id: int) -> np.ndarray | None:
        label = self._pos.get(item_id)
        return None if label is None else self._rows(np.array([label]))[0]

    def scores_for(self, query: np.ndarray, item_ids: Sequence[int]) -> np.ndarray:
        """Exact inner products with the given items (NaN where an item has no vector)."""
        out = np.full(len(item_ids), np.nan, dtype=np.float32)
        labels = [self._pos.get(int(i), -1) for i in item_ids]
        present = [n for n, label in enumerate(labels) if label >= 0]
        if present:
            rows = self._rows(np.array([labels[n] for n in present]))
            out[present] = rows @ np.asarray(query, dtype=np.float32).reshape(self.dim)
        return out

    def exact_search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Brute-force top ``k`` over the stored vectors (the ground truth for recall)."""
        live = np.flatnonzero(self._live[: self._size])
        if not len(live):
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        view = self._flat_view()
        if view is not None:
            scores = view[live] @ q
        else:  # decoded in slices: a million float32 rows at once would be 1.5 GB
            scores = np.concatenate(
                [self._rows(live[s : s + 65_536]) @ q for s in range(0, len(live), 65_536)]
            )
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
            index=faiss.serialize_index(self.index),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, dim: int, params: IndexParams | None = None) -> VectorIndex:
        self = cls(dim, params)
        with np.load(io.BytesIO(data)) as z:
            ids, live = z["ids"], z["live"]
            index = faiss.deserialize_index(z["index"])
        if index.d != dim or index.ntotal != len(ids):
            raise ValueError("vector snapshot does not match its own shape")
        self._ids, self._live = ids.copy(), live.copy()
        self._size = len(ids)
        self._pos = {int(ids[n]): int(n) for n in np.flatnonzero(live)}
        self.index = index
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = self.params.hnsw_ef_search
        return self
