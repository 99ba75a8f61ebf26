"""Embedding tasks: compute and store item vectors; heal what was lost."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.signals import worker_process_init
from sqlalchemy.exc import DBAPIError, IntegrityError

from matchmaking.config import get_settings
from matchmaking.db import get_sessionmaker, session_scope
from matchmaking.enums import Kind
from matchmaking.matching import embedding
from matchmaking.matching.runtime import get_encoder
from workers.celery_app import app, install_dispatcher

log = logging.getLogger(__name__)


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    # Load the model once per worker process, not per task.
    install_dispatcher()
    get_encoder()


@app.task(
    name="embeddings.embed",
    autoretry_for=(IntegrityError, DBAPIError),
    retry_backoff=True,
    max_retries=5,
)
def embed(kind: str, ids: list[int]) -> dict[str, Any]:
    """Compute and store the vectors of these items (idempotent).

    The model runs with no transaction open; only the storing of the vectors takes
    the write lock, briefly (so the web process's writes are never kept waiting on it).
    """
    result = embedding.embed_outside_lock(get_sessionmaker(), get_encoder(), Kind(kind), ids)
    if result.missing:
        log.info("embeddings.embed: %s %s no longer exist", kind, result.missing)
    return {"encoded": result.encoded, "reused": result.reused, "missing": result.missing}


@app.task(
    name="embeddings.reconcile",
    autoretry_for=(DBAPIError,),
    retry_backoff=True,
    max_retries=5,
)
def reconcile() -> dict[str, int]:
    """Re-enqueue every item whose vector is missing or stale."""
    settings = get_settings()
    install_dispatcher()
    with session_scope(write=True) as session:
        return embedding.reconcile(
            session,
            get_encoder().model_id,
            older_than=timedelta(seconds=settings.pending_grace_seconds),
        )
