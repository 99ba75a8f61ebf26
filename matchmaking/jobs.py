"""Background jobs requested in a unit of work are sent after its commit.

Services call :func:`enqueue`; nothing leaves the process until the session
commits, and a rollback drops the jobs. The dispatcher (a Celery ``send_task``)
is installed by the process that owns the broker connection (web app, worker,
CLI), so this package never imports ``workers``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

Dispatcher = Callable[[str, tuple[Any, ...]], None]
_dispatcher: Dispatcher | None = None
_KEY = "matchmaking.jobs"
_MARKS = "matchmaking.jobs.savepoints"
_INSTALLED = "_matchmaking_jobs_installed"


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    global _dispatcher
    _dispatcher = dispatcher


@contextmanager
def dispatching_to(dispatcher: Dispatcher | None) -> Iterator[None]:
    """Send the jobs committed inside this block to ``dispatcher``, then restore."""
    global _dispatcher
    previous = _dispatcher
    _dispatcher = dispatcher
    try:
        yield
    finally:
        _dispatcher = previous


def handled_inline() -> AbstractContextManager[None]:
    """Drop the jobs committed inside this block: the caller does their work itself."""
    return dispatching_to(_discard)


def _discard(_name: str, _args: tuple[Any, ...]) -> None:
    return None


def enqueue(session: Session, task_name: str, *args: Any) -> None:
    """Send ``task_name(*args)`` once ``session`` commits."""
    pending: list[tuple[str, tuple[Any, ...]]] = session.info.setdefault(_KEY, [])
    if (task_name, args) not in pending:
        pending.append((task_name, args))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    pending = session.info.pop(_KEY, [])
    session.info.pop(_MARKS, None)
    if not pending:
        return
    if _dispatcher is None:
        # The periodic reconcile task heals this, but it is a wiring bug: say so.
        log.error("no job dispatcher installed; %d job(s) left to reconcile", len(pending))
        return
    for name, args in pending:
        try:
            _dispatcher(name, args)
        except Exception:
            # The row is committed with embedding_status=pending; reconcile picks it up.
            log.exception("could not enqueue %s%r; reconcile will retry", name, args)


def _after_transaction_create(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(_MARKS, {})
        marks[id(transaction)] = len(session.info.get(_KEY, []))


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint drops only its own jobs; the outer transaction, all."""
    if previous.nested:
        mark = session.info.get(_MARKS, {}).pop(id(previous), None)
        if mark is not None and _KEY in session.info:
            del session.info[_KEY][mark:]
        return
    session.info.pop(_KEY, None)
    session.info.pop(_MARKS, None)


_LISTENERS = (
    ("after_commit", _after_commit),
    ("after_transaction_create", _after_transaction_create),
    ("after_soft_rollback", _after_soft_rollback),
)


def install(factory: sessionmaker[Session]) -> None:
    """Hook the job queue into every session of ``factory`` (once per factory).

    The mark lives on the factory itself: ``event.contains`` keys its registry by
    ``id(target)``, so a new factory at the address of a collected one was taken for
    hooked already, and its sessions silently sent no jobs (seen as rare test flakes).
    """
    if getattr(factory, _INSTALLED, False):
        return
    for name, listener in _LISTENERS:
        event.listen(factory, name, listener)
    setattr(factory, _INSTALLED, True)
