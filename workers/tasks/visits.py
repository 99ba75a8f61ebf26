"""Visit tasks: run one version of a campaign's expert assignment."""

from __future__ import annotations

from functools import lru_cache

from matchmaking.config import get_settings
from matchmaking.db import get_sessionmaker
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_encoder, get_tokenizer
from matchmaking.visits import runner
from workers.celery_app import app


@lru_cache(maxsize=1)
def _manager() -> IndexManager:
    # One index manager per worker process (loading the indexes is the slow part).
    settings = get_settings()
    return IndexManager(settings, get_sessionmaker(), get_encoder(settings), get_tokenizer())


# The solver's own limit is 30 s for the timetable; the hard limit only guards a hang
# (the run is then shown failed by its stale heartbeat and can be run again).
@app.task(name="visits.assign", time_limit=600, soft_time_limit=540)
def assign(run_id: int) -> str:
    """Run a queued assignment run (idempotent: a run no longer queued is left alone)."""
    return runner.execute(get_sessionmaker(), _manager(), run_id)
