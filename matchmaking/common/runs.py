"""Versioned solver runs: what an events schedule and a clinic-visit assignment share.

A concept whose result comes from a solver in the worker (``ScheduleRun`` of an event,
``AssignmentRun`` of a visit campaign) keeps one row per run of it, numbered per owner
(version 1, 2, …), queued by a request and executed by a Celery task:

- in the request: ``live`` (the run still queued or running: one at a time per owner),
  ``next_version``, ``recover_stale`` (a run whose worker went silent is failed, so the
  owner can be run again) and ``cancel``;
- in the worker: ``claim`` (queued → running, once), ``report`` (heartbeat and progress
  in a transaction of their own; says whether staff asked to cancel), ``finish`` and
  ``fail``.

What differs per concept stays with it: building the solver's instance, storing its
result, publishing and rolling back, notifications, and every message users read (the
caller passes them in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from matchmaking.enums import RunStatus
from matchmaking.exceptions import Conflict
from matchmaking.models.base import RunRow, utcnow

R = TypeVar("R", bound=RunRow)

# A run in these states holds its owner: no second run starts, and it may be cancelled.
LIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


@dataclass(frozen=True)
class Runs(Generic[R]):
    """The run table of one concept: ``Runs(ScheduleRun, ScheduleRun.event_id, "error")``."""

    model: type[R]
    # The column naming the run's owner (the event, the campaign).
    owner: InstrumentedAttribute[int]
    # The text column users read a failure in ("error", "message").
    message: str

    # -- in a request -----------------------------------------------------------------
    def live(self, session: Session, owner_id: int) -> R | None:
        """The owner's newest run still queued or running, read fresh (a worker moves it)."""
        m = self.model
        stmt = (
            select(m)
            .where(self.owner == owner_id, m.status.in_(LIVE))
            .order_by(m.version.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        return session.scalars(stmt).first()

    def next_version(self, session: Session, owner_id: int) -> int:
        """The version a new run of this owner gets (1 for the first)."""
        stmt = select(func.max(self.model.version)).where(self.owner == owner_id)
        return int(session.scalar(stmt) or 0) + 1

    def recover_stale(
        self, session: Session, owner_id: int, *, after: timedelta, message: str
    ) -> int:
        """Fail the owner's live runs silent for longer than ``after`` (no heartbeat, or
        none since queued): their worker died, and the owner may be run again. Returns
        how many; when some were, the session's objects are expired to show it."""
        m = self.model
        cutoff = utcnow() - after
        silent = (
            self.owner == owner_id,
            m.status.in_(LIVE),
            func.coalesce(m.heartbeat_at, m.created_at) < cutoff,
        )
        # Look before writing: progress bars poll this, and an UPDATE takes SQLite's write
        # lock even when it matches nothing (the worker's own writes then block the poll;
        # tests/events/test_polling_lock.py).
        if session.scalar(select(m.id).where(*silent).limit(1)) is None:
            return 0
        stale = (
            update(m)
            .where(*silent)
            .values({"status": RunStatus.FAILED, self.message: message, "finished_at": utcnow()})
            .execution_options(synchronize_session=False)
        )
        result: Any = session.execute(stale)
        count = int(result.rowcount or 0)
        if count:
            session.expire_all()
        return count

    def cancel(self, session: Session, run: R, *, refused: str, message: str | None = None) -> R:
        """Ask a live run to stop: a queued one is cancelled at once (with ``message``, if
        given), a running one stops at its solver's next report. ``refused`` is the 409's
        text for a run no longer live, with ``{status}`` for its state's label."""
        if run.status not in LIVE:
            raise Conflict(refused.format(status=run.status.label))
        run.cancel_requested = True
        if run.status is RunStatus.QUEUED:
            run.status, run.finished_at = RunStatus.CANCELLED, utcnow()
            if message is not None:
                setattr(run, self.message, message)
        session.flush()
        return run

    # -- in the worker ----------------------------------------------------------------
    def claim(self, session: Session, run_id: int, **values: Any) -> bool:
        """Move a queued run to running (with ``values``), in the caller's transaction;
        False when it is not queued (missing, cancelled, taken by another delivery)."""
        m = self.model
        claimed: Any = session.execute(
            update(m)
            .where(m.id == run_id, m.status == RunStatus.QUEUED)
            .values(status=RunStatus.RUNNING, heartbeat_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        return int(claimed.rowcount or 0) == 1

    def report(self, factory: sessionmaker[Session], run_id: int, **values: Any) -> bool:
        """Write the heartbeat and ``values`` (progress, a message …) and commit; True when
        staff asked to cancel (or the run is gone): the solver should stop."""
        m = self.model
        with factory() as session, session.begin():
            session.execute(
                update(m)
                .where(m.id == run_id)
                .values(heartbeat_at=utcnow(), **values)
                .execution_options(synchronize_session=False)
            )
            asked = session.scalar(select(m.cancel_requested).where(m.id == run_id))
        return asked is None or bool(asked)

    def finish(
        self, factory: sessionmaker[Session], run_id: int, status: RunStatus, message: str
    ) -> None:
        """End a run as ``status`` with ``message`` for users, in a transaction of its own."""
        m = self.model
        with factory() as session, session.begin():
            session.execute(
                update(m)
                .where(m.id == run_id)
                .values({"status": status, self.message: message, "finished_at": utcnow()})
                .execution_options(synchronize_session=False)
            )

    def fail(self, factory: sessionmaker[Session], run_id: int, message: str) -> None:
        """Mark a run failed with ``message`` (Chinese, shown to staff): never left running."""
        self.finish(factory, run_id, RunStatus.FAILED, message)
