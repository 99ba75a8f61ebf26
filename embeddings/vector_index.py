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

An item id is found by binary search in a sorted array of the ids that were live
at the last fold (with their labels), plus a small dict of the items added or
updated since; the dict is folded into the arrays when it grows past a share of
them. This costs about 12 bytes an item instead of a dict's 110 or so.

A snapshot can be opened *mapped* (``from_bytes(..., map_to=path)``): the FAISS index
is written once to ``path`` and read with ``IO_FLAG_MMAP_IFC``, so its vectors and
graph are pages of the file, shared by every process that maps the same file. Such
an index must never be added to (FAISS aborts the process), so rows written after
the load go to a small private flat *overlay*; labels from ``base.ntotal`` on are the
overlay's, searches merge both, and tombstones (``_live``) cover both. ``compact``
and ``to_bytes`` fold the overlay in (``compact`` makes the index private again).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from embeddings.snapshot import atomic_write

log = logging.getLogger(__name__)

# Rows in the private overlay of a mapped index past which it is folded into a
# private index (``compact``): the overlay is searched exactly, row by row.
OVERLAY_LIMIT = 20_000


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
        self._n_live = 0  # live labels, one per item
        # item id -> live label: sorted ids at the last fold with their labels (a
        # label no longer live there means updated or removed since), and the items
        # added or updated since the fold.
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._sorted_labels = np.zeros(0, dtype=np.int32)
        self._recent: dict[int, int] = {}
        self._view: tuple[faiss.Index, np.ndarray | None] | None = None
        self.index = self._new_index(hnsw=False)
        # With a mapped (read-only) ``index``: the rows added since, labels from
        # ``index.ntotal`` on. None for an ordinary index.
        self._overlay: faiss.IndexFlatIP | None = None

    @property
    def mapped(self) -> bool:
        """Whether the index is a read-only mapping of a snapshot file (plus an overlay)."""
        return self._overlay is not None

    @property
    def overlay_size(self) -> int:
        return 0 if self._overlay is None else int(self._overlay.ntotal)

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
        return self._n_live

    @property
    def dead(self) -> int:
        return self._size - self._n_live

    def __contains__(self, item_id: int) -> bool:
        return self._label(int(item_id)) >= 0

    def ids(self) -> list[int]:
        """The live item ids, oldest label first (the order they were last written)."""
        ids: list[int] = self._ids[: self._size][self._live[: self._size]].tolist()
        return ids

    # -- item id -> label ------------------------------------------------------
    def _label(self, item_id: int) -> int:
        """The live label of one item, or -1."""
        label = self._recent.get(item_id)
        if label is not None:
            return label
        ids = self._sorted_ids
        at = int(np.searchsorted(ids, item_id))
        if at < len(ids) and int(ids[at]) == item_id:
            found = int(self._sorted_labels[at])
            if self._live[found]:
                return found
        return -1

    def _labels_of(self, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The live labels of these items (-1 where absent), one binary search for all."""
        wanted = np.asarray(item_ids, dtype=np.int64).reshape(-1)
        out = np.full(len(wanted), -1, dtype=np.int64)
        ids = self._sorted_ids
        if len(ids) and len(wanted):
            at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
            hit = ids[at] == wanted
            labels = self._sorted_labels[at[hit]].astype(np.int64)
            # A label dead since the fold: the item was updated (see _recent) or removed.
            out[np.flatnonzero(hit)] = np.where(self._live[labels], labels, -1)
        if self._recent:
            recent = self._recent
            for n in np.flatnonzero(out < 0).tolist():
                label = recent.get(int(wanted[n]))
                if label is not None:
                    out[n] = label
        return out

    def _fold(self) -> None:
        """Rebuild the sorted arrays from the live labels and empty ``_recent``."""
        live = np.flatnonzero(self._live[: self._size])
        ids = self._ids[live]
        order = np.argsort(ids, kind="stable")  # equal ids keep label order
        ids, labels = ids[order], live[order]
        dup = np.flatnonzero(ids[1:] == ids[:-1])
        if len(dup):
            # Two live labels for one item (not made by this class; an old snapshot
            # might hold them): the newer one counts, the older is a tombstone.
            self._live[labels[dup]] = False
            keep = np.ones(len(ids), dtype=bool)
            keep[dup] = False
            ids, labels = ids[keep], labels[keep]
        dtype = np.int32 if self._size < 2**31 else np.int64
        self._sorted_ids, self._sorted_labels = ids, labels.astype(dtype)
        self._n_live = len(ids)
        self._recent = {}

    def _fold_at(self) -> int:
        """Size of ``_recent`` past which it is folded (a dict entry costs ~100 bytes)."""
        return max(1024, len(self._sorted_ids) // 32)

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
        overlay = self._overlay
        if overlay is not None and len(labels):
            base_n = int(self.index.ntotal)
            upper = labels >= base_n
            if upper.any():
                out = np.empty((len(labels), self.dim), dtype=np.float32)
                out[~upper] = self._base_rows(labels[~upper])
                out[upper] = overlay.reconstruct_batch(labels[upper] - base_n)
                return out
        return self._base_rows(labels)

    def _base_rows(self, labels: np.ndarray) -> np.ndarray:
        view = self._flat_view()
        if view is not None:
            return np.array(view[labels], dtype=np.float32)
        if not len(labels):
            return np.zeros((0, self.dim), dtype=np.float32)
        rows: np.ndarray = self.index.reconstruct_batch(labels)
        return rows

    # -- changes -----------------------------------------------------------
    def upsert(self, item_ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add or replace the vectors of ``item_ids`` (rows already L2-normalised).

        An id given twice takes its last vector.
        """
        if len(item_ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(item_ids), self.dim)
        wanted = np.asarray(item_ids, dtype=np.int64).reshape(-1)
        rows = np.arange(len(wanted))
        if len(np.unique(wanted)) != len(wanted):
            _, last = np.unique(wanted[::-1], return_index=True)
            rows = np.sort(len(wanted) - 1 - last)
        labels = self._labels_of(wanted[rows])
        old = np.flatnonzero(labels >= 0)
        if len(old):
            stored = self._rows(labels[old])
            given = vectors[rows[old]]
            if self._flat_view() is not None:
                same = np.all(stored == given, axis=1)
            else:  # within the 8-bit step
                same = np.all(np.isclose(stored, given, atol=0.01), axis=1)
            changed = old[~same]
            self._live[labels[changed]] = False
            self._n_live -= len(changed)
            keep = np.ones(len(rows), dtype=bool)
            keep[old[same]] = False
            rows = rows[keep]
        if not len(rows):
            return
        new_ids = wanted[rows]
        self._reserve(len(rows))
        start = self._size
        self._ids[start : start + len(rows)] = new_ids
        self._live[start : start + len(rows)] = True
        self._size += len(rows)
        self._n_live += len(rows)
        if len(self._recent) + len(rows) > self._fold_at():
            self._fold()
        else:
            self._recent.update(zip(new_ids.tolist(), range(start, start + len(rows)), strict=True))
        self._changed()
        if self._overlay is not None:
            self._overlay.add(vectors[rows])  # never the mapped index: FAISS would abort
        else:
            self.index.add(vectors[rows])
        self._changed()
        self._maybe_reshape()

    def remove(self, item_ids: Iterable[int]) -> None:
        wanted = np.fromiter((int(i) for i in item_ids), dtype=np.int64)
        labels = np.unique(self._labels_of(wanted))
        labels = labels[labels >= 0]
        if len(labels):
            self._live[labels] = False
            self._n_live -= len(labels)
            if self._recent:
                for item_id in wanted.tolist():
                    self._recent.pop(item_id, None)
        self._maybe_reshape()

    def _maybe_reshape(self) -> None:
        n, threshold = len(self), self.params.exact_threshold
        # 20% hysteresis so a count hovering at the threshold does not flip-flop.
        if (not self._hnsw and n >= threshold) or (self._hnsw and n < 0.8 * threshold):
            self.compact()
        elif self.overlay_size > OVERLAY_LIMIT:
            log.info(
                "vector overlay of %d rows folded in: the index is private now", self.overlay_size
            )
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
        self._fold()
        n, threshold = len(ids), self.params.exact_threshold
        # The old index goes before the new one is built: the vectors are held once.
        self._changed()
        self._overlay = None
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
        if not self._n_live or k <= 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        want = min(self._size, k + self.dead)
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = max(self.params.hnsw_ef_search, want)
        scores, labels = self.index.search(q, min(want, max(1, int(self.index.ntotal))))
        found, sims = labels[0], scores[0]
        overlay = self._overlay
        if overlay is not None and overlay.ntotal:
            # Each part's best ``k + dead`` hold the best k live of both.
            o_scores, o_labels = overlay.search(q, min(want, int(overlay.ntotal)))
            o_found = np.where(o_labels[0] >= 0, o_labels[0] + self.index.ntotal, -1)
            found = np.concatenate([found, o_found])
            sims = np.concatenate([sims, o_scores[0]])
            order = np.argsort(-sims, kind="stable")
            found, sims = found[order], sims[order]
        # Live hits, best first (a loop over the few hundred labels cost more than FAISS).
        ok = found >= 0
        ok[ok] = self._live[found[ok]]
        hit = np.flatnonzero(ok)[:k]
        ids: list[int] = self._ids[found[hit]].tolist()
        values: list[float] = sims[hit].astype(np.float64).tolist()
        return list(zip(ids, values, strict=True))

    def vector(self, item_id: int) -> np.ndarray | None:
        label = self._label(int(item_id))
        return None if label < 0 else self._rows(np.array([label]))[0]

    def scores_for(self, query: np.ndarray, item_ids: Sequence[int]) -> np.ndarray:
        """Exact inner products with the given items (NaN where an item has no vector)."""
        out = np.full(len(item_ids), np.nan, dtype=np.float32)
        labels = self._labels_of(item_ids)
        present = np.flatnonzero(labels >= 0)
        if len(present):
            rows = self._rows(labels[present])
            out[present] = rows @ np.asarray(query, dtype=np.float32).reshape(self.dim)
        return out

    def exact_search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Brute-force top ``k`` over the stored vectors (the ground truth for recall)."""
        live = np.flatnonzero(self._live[: self._size])
        if not len(live):
            return []
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        view = self._flat_view()
        if view is not None and self._overlay is None:
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
            index=faiss.serialize_index(self._merged()),
        )
        return buf.getvalue()

    def _merged(self) -> faiss.Index:
        """The index with the overlay's rows added (a private copy if there are any)."""
        overlay = self._overlay
        if overlay is None or not overlay.ntotal:
            return self.index
        merged = faiss.deserialize_index(faiss.serialize_index(self.index))
        merged.add(overlay.reconstruct_n(0, overlay.ntotal))
        return merged

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        dim: int,
        params: IndexParams | None = None,
        map_to: Path | None = None,
    ) -> VectorIndex:
        """Load a snapshot; with ``map_to``, the FAISS index is written to that file
        (unless it is there already, same size) and mapped read-only from it."""
        self = cls(dim, params)
        with np.load(io.BytesIO(data)) as z:
            ids, live = z["ids"], z["live"]
            raw = z["index"]
        index = None
        if map_to is not None:
            index = _read_mapped(map_to, raw)
            if index is not None:
                self._overlay = faiss.IndexFlatIP(dim)
        if index is None:
            index = faiss.deserialize_index(raw)
        del raw
        if index.d != dim or index.ntotal != len(ids):
            raise ValueError("vector snapshot does not match its own shape")
        self._ids, self._live = ids.copy(), live.copy()
        self._size = len(ids)
        self._fold()
        self.index = index
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = self.params.hnsw_ef_search
        return self


def _read_mapped(path: Path, raw: np.ndarray) -> faiss.Index | None:
    """The index in ``raw``, mapped read-only from ``path`` (written if missing);
    None if it cannot be mapped (the caller deserialises a private copy)."""
    try:
        if not path.exists() or path.stat().st_size != raw.nbytes:
            atomic_write(path, raw.tobytes())
        index: faiss.Index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    except (OSError, RuntimeError) as exc:  # another process may have removed it
        log.warning("vector index %s not mapped (%s); loading a private copy", path, exc)
        return None
    return index
