"""Outbound tasks: send the messages of new notifications now; on beat, the rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError

from matchmaking.db import get_sessionmaker
from matchmaking.outbound import jobs
from workers.celery_app import app
from workers.indexes import index_manager

MAX_RETRIES = 4


# A write lock held by the web process (SQLite: "database is locked") is a reason to try
# again shortly, as every other task does; the send log keeps a retry from sending twice.
@app.task(
    name="outbound.instant",
    bind=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(DBAPIError,),
    retry_backoff=True,
)
def instant(self: Any) -> dict[str, int]:
    """Plan and send the messages of new notifications. Idempotent (the send log): a
    retry after a failed send sends only what is still unsent."""
    report = jobs.instant(get_sessionmaker())
    if report.failed:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return {"sent": report.sent, "failed": report.failed, "deferred": report.deferred}


@app.task(name="outbound.tick", autoretry_for=(DBAPIError,), retry_backoff=True, max_retries=3)
def tick() -> dict[str, int]:
    """On beat: notifications, reminders, summaries, the Monday digest, then sending."""
    # The indexes are loaded only when the digest needs them (Monday morning).
    manager = index_manager() if jobs.digest_due() else None
    report = jobs.tick(get_sessionmaker(), manager)
    return {"sent": report.sent, "failed": report.failed, "digests": report.digests}
