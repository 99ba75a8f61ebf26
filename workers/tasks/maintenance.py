"""Housekeeping on beat: the database's planner statistics."""

from __future__ import annotations

from matchmaking.db import analyze as analyze_database
from matchmaking.db import get_engine
from workers.celery_app import app


@app.task(name="maintenance.analyze")
def analyze() -> None:
    """ANALYZE: keeps SQLite's query plans right as the tables grow (see ``db.analyze``)."""
    analyze_database(get_engine())
