"""Polling a live scheduler run must not take SQLite's write lock.

The progress bar asks every two seconds; the stale-run check used to run an UPDATE that
matched nothing, which still takes the write lock, so while the worker wrote its result
the poll waited and ended in "database still locked" (seen in CI on a loaded machine).
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.enums import RunStatus
from matchmaking.events import scheduling
from matchmaking.models import ScheduleRun
from matchmaking.models.base import utcnow
from tests.factories import make_event

pytestmark = [pytest.mark.commits, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_a_live_run_is_checked_without_waiting_for_the_write_lock(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        event = make_event(session)
        run = ScheduleRun(
            event_id=event.id, version=1, status=RunStatus.RUNNING, heartbeat_at=utcnow()
        )
        session.add(run)
        session.commit()
        event_id = event.id

    engine = make_engine(settings.db_url, busy_timeout_ms=100)
    holder = factory.kw["bind"].connect().execution_options(sqlite_begin="immediate")
    try:
        holder.begin()
        holder.exec_driver_sql("UPDATE towns SET name = name")  # the worker writing
        with make_sessionmaker(engine)() as poll:
            assert scheduling.recover_stale(poll, event_id) == 0
            poll.rollback()
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
