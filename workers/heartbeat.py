"""The worker's heartbeat: a thread of the worker's main process records it in the
database every ``worker_heartbeat_seconds`` (``matchmaking.health``), so status can say
whether a worker is alive on SQLite and PostgreSQL alike, with no broker round trip.

The main process, not a pool process: it stays responsive while a task runs, and it is
the process whose death (the kernel's OOM killer) matters.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery.signals import worker_ready, worker_shutdown

from matchmaking import clock
from matchmaking.config import get_settings
from matchmaking.db import make_engine, make_sessionmaker, try_write
from matchmaking.health import record_heartbeat

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    def __init__(self, name: str, interval: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_name, self.interval = name, interval
        self.started_at = clock.now()
        self._stop_event = threading.Event()

    def run(self) -> None:
        # An engine of its own, with no connection kept between beats: pool processes
        # forked from this one must not inherit a live database connection.
        engine = make_engine(get_settings().db_url)
        factory = make_sessionmaker(engine)
        pid = os.getpid()
        while True:
            try:
                # Skipped, not waited for, while another writer holds the SQLite lock.
                try_write(
                    factory,
                    lambda s: record_heartbeat(s, self.worker_name, pid, self.started_at),
                )
            except Exception:
                log.exception("worker heartbeat not recorded")
            finally:
                engine.dispose()
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_event.set()


_beat: Heartbeat | None = None


@worker_ready.connect
def _start(sender: Any = None, **_: Any) -> None:
    global _beat
    name = getattr(sender, "hostname", None) or f"worker-{os.getpid()}"
    _beat = Heartbeat(name, get_settings().worker_heartbeat_seconds)
    _beat.start()


@worker_shutdown.connect
def _stop(**_: Any) -> None:
    if _beat is not None:
        _beat.stop()
