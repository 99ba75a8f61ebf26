"""Visit tasks: run one version of a campaign's expert assignment."""

from __future__ import annotations

from matchmaking.db import get_sessionmaker
from matchmaking.visits import runner
from workers.celery_app import app
from workers.indexes import index_manager


# The solver's own limit is 30 s for the timetable; the hard limit only guards a hang
# (the run is then shown failed by its stale heartbeat and can be run again).
@app.task(name="visits.assign", time_limit=600, soft_time_limit=540)
def assign(run_id: int) -> str:
    """Run a queued assignment run (idempotent: a run no longer queued is left alone)."""
    return runner.execute(get_sessionmaker(), index_manager(), run_id)
