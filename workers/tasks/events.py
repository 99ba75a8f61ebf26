"""Event tasks: run the one-to-one meeting scheduler for a queued run."""

from __future__ import annotations

from matchmaking.db import get_sessionmaker
from matchmaking.events import scheduling
from workers.celery_app import app
from workers.indexes import index_manager


@app.task(name="events.schedule", acks_late=True)
def schedule(run_id: int) -> str:
    """Schedule the event of run ``run_id``; idempotent (a run not queued is left alone)."""
    return scheduling.execute(get_sessionmaker(), index_manager(), run_id)
