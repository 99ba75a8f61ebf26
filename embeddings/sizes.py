"""What the index structures of one kind cost in memory, structure by structure.

Counted from the structures themselves (array sizes, FAISS's own vectors, and
``sys.getsizeof`` of the Python containers and the objects they hold), not from
the process's RSS, which also holds the interpreter, the encoder and the
database driver. ``matchmaking bench perf`` reports both.
"""

from __future__ import annotations

import sys
from typing import Any

import faiss
import numpy as np

from embeddings.lexical import LexicalIndex
from embeddings.vector_index import VectorIndex


def _dict_bytes(d: dict[Any, Any], values: bool = True) -> int:
    """A dict, its keys and (optionally) its values, each counted once."""
    total = sys.getsizeof(d) + sum(sys.getsizeof(k) for k in d)
    if values:
        total += sum(_value_bytes(v) for v in d.values())
    return total


def _value_bytes(v: Any) -> int:
    if isinstance(v, np.ndarray):
        return sys.getsizeof(v) if v.base is None else sys.getsizeof(v) + v.nbytes
    return sys.getsizeof(v)


def _arrays(*arrays: np.ndarray | None) -> int:
    return sum(a.nbytes for a in arrays if a is not None)


def vector_bytes(index: VectorIndex) -> dict[str, int]:
    """Vectors (FAISS's storage), the HNSW graph, and the label/id maps."""
    faiss_index = index.index
    out = {"vectors": 0, "hnsw_graph": 0, "vector_id_maps": 0}
    if isinstance(faiss_index, faiss.IndexHNSW):
        storage = faiss.downcast_index(faiss_index.storage)
        out["vectors"] = int(storage.ntotal) * int(storage.sa_code_size())
        h: Any = faiss_index.hnsw  # the stubs leave out its vectors
        out["hnsw_graph"] = (
            4 * int(h.neighbors.size()) + 8 * int(h.offsets.size()) + 4 * int(h.levels.size())
        )
    else:
        out["vectors"] = int(faiss_index.ntotal) * int(faiss_index.sa_code_size())
    # A mapped index's own rows are pages of its file (shared); the overlay's are not.
    out["vectors"] += index.overlay_size * 4 * index.dim
    out["vector_id_maps"] = _arrays(
        index._ids, index._live, index._sorted_ids, index._sorted_labels
    ) + _dict_bytes(index._recent)
    return out


def lexical_bytes(index: LexicalIndex) -> dict[str, int]:
    """Token ids per document, the vocabulary, the BM25 matrices, tags and id arrays."""
    bm25, ids, impact, by_doc = index._built
    out = {
        "token_ids": _dict_bytes(index._docs),
        "vocabulary": _dict_bytes(index._vocab) + sys.getsizeof(index._words) + index._df.nbytes,
        "bm25_matrix": 0,
        "bm25_by_document": 0,
        "text_tags": _dict_bytes(index._tags),
        "lexical_id_maps": _arrays(ids, impact),
    }
    if bm25 is not None:
        scores = bm25.scores
        out["bm25_matrix"] = _arrays(scores["data"], scores["indices"], scores["indptr"])
        vocab = getattr(bm25, "vocab_dict", {}) or {}
        # bm25s's own vocabulary (its keys are the index's strings, not copies).
        out["vocabulary"] += sys.getsizeof(vocab) + sys.getsizeof(
            getattr(bm25, "unique_token_ids_set", set())
        )
    if by_doc is not None:
        out["bm25_by_document"] = by_doc.nbytes
    return out


def index_bytes(vectors: VectorIndex, lexical: LexicalIndex) -> dict[str, int]:
    """Every structure of one kind's indexes, in bytes (and their ``total``)."""
    out = {**vector_bytes(vectors), **lexical_bytes(lexical)}
    out["total"] = sum(out.values())
    return out


__all__ = ["index_bytes", "lexical_bytes", "vector_bytes"]
