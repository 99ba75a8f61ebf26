"""The worker process's index manager: one per process (loading the indexes is the slow
part), shared by the tasks that match (visit assignments, event schedules)."""

from __future__ import annotations

from functools import lru_cache

from matchmaking.config import get_settings
from matchmaking.db import get_sessionmaker
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_encoder, get_tokenizer


@lru_cache(maxsize=1)
def index_manager() -> IndexManager:
    settings = get_settings()
    return IndexManager(settings, get_sessionmaker(), get_encoder(settings), get_tokenizer())
