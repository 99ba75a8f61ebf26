"""The drill-down's newest-first page reads an index, not a sort of the year's rows.

SQLite plans from the statistics ``ANALYZE`` leaves (the worker's beat runs it, a bulk
load runs it at once); without them it sorted 23,000 contracts for a page of twenty
(0.3 s at 100,000 contracts). The task is registered on beat, and after it the page's
query plan walks the registration-date index (its implicit row id gives the id order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from matchmaking import clock
from matchmaking.accounts.permissions import DISTRICT
from matchmaking.bench.kpi import populate
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.kpi import service
from matchmaking.migrate import upgrade
from workers.celery_app import app
from workers.tasks import maintenance


def _page_plan(url: str, code: str) -> list[str]:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "LIMIT" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, params))

    today = clock.local_today()
    with factory() as session:
        service.records(session, service.View(today.year, today.month, DISTRICT), code)
    statement, params = seen[-1]
    with engine.connect() as conn:
        plan = [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    engine.dispose()
    return plan


def test_the_page_walks_the_index_once_beat_has_analyzed(tmp_path: Path, monkeypatch: Any) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    populate(make_sessionmaker(engine), contracts=3000, payments=3000, towns=4, months=14)
    engine.dispose()
    assert "maintenance.analyze" in {e["task"] for e in app.conf.beat_schedule.values()}
    monkeypatch.setenv("MATCHMAKING_DATABASE_URL", url)
    from matchmaking.config import get_settings
    from matchmaking.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        maintenance.analyze()
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()
    plan = " | ".join(_page_plan(url, "amount"))
    assert "USING INDEX ix_tech_contracts_registered_on" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
