"""A file cache of document vectors keyed by (model id, text hash).

Embedding is the slow step (≈8 abstracts/s with multilingual-e5-small on two
cores); the demo data and the benchmark corpora are embedded once and reused.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np


def cache_file(directory: Path, model_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")
    return directory / f"{safe}.npz"


class VectorCache:
    def __init__(self, path: Path, model_id: str, dim: int) -> None:
        self.path, self.model_id, self.dim = path, model_id, dim
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    if str(z["model_id"]) == model_id and z["vectors"].shape[1:] == (dim,):
                        hashes = z["hashes"].tolist()
                        vectors = z["vectors"].astype(np.float32)
                        self._vectors = dict(zip(hashes, vectors, strict=True))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a bad cache is only a slower start

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        return {h: self._vectors[h] for h in hashes if h in self._vectors}

    def put_many(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        for h, v in zip(hashes, vectors, strict=True):
            self._vectors[h] = np.asarray(v, dtype=np.float32)
        self._dirty = self._dirty or bool(len(hashes))

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        hashes = sorted(self._vectors)
        matrix = (
            np.stack([self._vectors[h] for h in hashes])
            if hashes
            else np.zeros((0, self.dim), dtype=np.float32)
        )
        buf = io.BytesIO()
        # float16 halves the file; cosine changes by < 1e-3, far below ranking noise.
        np.savez_compressed(
            buf,
            model_id=np.array(self.model_id),
            hashes=np.array(hashes),
            vectors=matrix.astype(np.float16),
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the demo cache is committed
        os.replace(tmp, self.path)
        self._dirty = False
