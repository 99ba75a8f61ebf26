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
