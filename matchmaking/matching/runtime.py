"""Per-process singletons: the encoder, the tokenizer and the index caches.

Each is built once per process on first use (the web app and Celery's
``worker_process_init`` warm them up), never per request.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from embeddings.encoders import Encoder, make_encoder
from embeddings.lexical import Tokenizer
from matchmaking.config import Settings, get_settings

TERMS_FILE = Path(__file__).with_name("terms.txt")
_lock = threading.Lock()


@lru_cache
def _encoder(backend: str, model: str, threads: int | None, max_chars: int) -> Encoder:
    return make_encoder(backend, model, threads=threads, max_chars=max_chars)


def get_encoder(settings: Settings | None = None) -> Encoder:
    s = settings or get_settings()
    with _lock:
        return _encoder(s.encoder, s.encoder_model, s.encoder_threads, s.encoder_max_chars)


@lru_cache
def get_tokenizer() -> Tokenizer:
    return Tokenizer(user_dict=TERMS_FILE)


def limit_compute_threads(threads: int | None) -> None:
    """Cap the numeric libraries' thread pools (FAISS's OpenMP, numpy's BLAS) in this
    process: with two web processes on two cores, each pool sized to every core made
    four busy threads fight for two (``compute_threads``; None leaves the defaults)."""
    if not threads:
        return
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(threads)
    threadpool_limits(limits=threads)
