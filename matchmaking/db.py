"""Engine, sessions and the declarative base."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from matchmaking import jobs
from matchmaking.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
log = logging.getLogger(__name__)
T = TypeVar("T")
# How long an optional write (``try_write``) waits for SQLite's write lock.
BRIEF_LOCK_WAIT_MS = 100
# A write that found the lock taken (after SQLite's own busy timeout) is tried this
# many more times, waiting LOCK_BACKOFF_S, then twice that, ... in between.
LOCK_RETRIES = 3
LOCK_BACKOFF_S = 0.5


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, busy_timeout_ms: int = 30000, mmap_mb: int = 1024) -> Engine:
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # The web process, the worker and beat share one file: WAL lets readers
        # go on while a writer commits, and busy_timeout waits instead of failing.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        # A local file has no connection to go stale (the ping was a query per
        # checkout), and a request thread may hold two connections (its session and
        # the index sync): keep enough open for the server's threads, not 5.
        kwargs.update(pool_pre_ping=False, pool_size=20, max_overflow=20)
    else:
        # Up to two connections per request thread (its session, the shared index sync).
        kwargs.update(pool_size=10, max_overflow=10)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself (below): pysqlite's own
            # transaction handling breaks SAVEPOINT, which imports rely on.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # Reads through a mapping of the file (writes still go through the WAL).
            cur.execute(f"PRAGMA mmap_size={max(int(mmap_mb), 0) * 2**20}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A deferred BEGIN reads a snapshot; if another process commits before this
            # transaction writes, SQLite fails at once ("database is locked") instead of
            # waiting. Units of work that will write ask for BEGIN IMMEDIATE (begin_write).
            mode = conn.get_execution_options().get("sqlite_begin", "")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")

    return engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.db_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(
        settings.db_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        mmap_mb=settings.sqlite_mmap_mb,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    from matchmaking.kpi import cache  # models import this module

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    jobs.install(factory)
    cache.install(factory)
    return factory


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return make_sessionmaker(get_engine())


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics (``ANALYZE``).

    PostgreSQL's autovacuum does this by itself; SQLite never does, and without
    statistics it may sort a year of rows for a page of twenty. The worker's beat runs
    it every ``analyze_interval`` seconds; a bulk load (demo, benchmark) runs it at once.
    """
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (or busy): another writer holds the write lock."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def _backoff(attempt: int) -> float:
    return float(LOCK_BACKOFF_S * 2**attempt)


def begin_write(session: Session, *, retries: int = LOCK_RETRIES) -> None:
    """Start the session's transaction as one that will write.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock at once, so concurrent writers
    (the web process, the worker) queue on the busy timeout instead of failing; when
    the lock is still taken after it, the BEGIN is tried again (nothing was done yet)
    with a growing pause, ``retries`` times, before the error is raised.
    PostgreSQL: an ordinary transaction. Call it before the first statement.
    """
    for attempt in range(retries + 1):
        try:
            session.connection(execution_options={"sqlite_begin": "immediate"})
            return
        except OperationalError as exc:
            session.rollback()
            if not is_locked(exc) or attempt == retries:
                raise
            log.warning("write lock busy; trying again (%d/%d)", attempt + 1, retries)
            time.sleep(_backoff(attempt))


def write_unit(
    factory: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    retries: int = LOCK_RETRIES,
) -> T:
    """Run ``work`` in a short unit of work of its own that writes, and commit it.

    When SQLite's write lock stays taken (another process wrote for longer than the
    busy timeout), the whole unit is rolled back and run again after a growing pause,
    ``retries`` times; ``work`` must therefore be safe to run again (it reads what it
    needs inside the unit). The last failure is raised.
    """
    for attempt in range(retries + 1):
        session = factory()
        try:
            begin_write(session, retries=0)
            result = work(session)
            session.commit()
            return result
        except OperationalError as exc:
            session.rollback()
            if not is_locked(exc) or attempt == retries:
                raise
            log.warning("write lock busy; unit of work tried again (%d/%d)", attempt + 1, retries)
            time.sleep(_backoff(attempt))
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    raise AssertionError("unreachable")


def begin_write_after_reading(session: Session) -> None:
    """Take the write lock for a session that has only read so far (no-op if it writes).

    SQLite: a read transaction cannot safely turn into a write one (if another process
    committed since it began, its first write fails at once), so the read snapshot is
    ended and a ``BEGIN IMMEDIATE`` transaction started. Only for sessions that have
    written nothing: an upload is parsed first, and the lock is taken after.
    """
    if session.in_transaction():
        conn = session.connection()
        if conn.dialect.name != "sqlite" or conn.get_execution_options().get("sqlite_begin"):
            return
        session.rollback()
    begin_write(session)


@contextmanager
def session_scope(
    factory: sessionmaker[Session] | None = None, *, write: bool = False
) -> Iterator[Session]:
    """A unit of work outside a request: commit on success, roll back on error."""
    session = (factory or get_sessionmaker())()
    if write:
        begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def try_write(factory: sessionmaker[Session], work: Callable[[Session], None]) -> bool:
    """Run a small optional write in a unit of work of its own, only if the write lock is
    free now: on SQLite it waits at most a moment (not the busy timeout) and gives up
    when another writer holds the lock. False when it gave up.

    For bookkeeping that may be skipped (a token's last-used time), never for a user's
    data: that waits its turn (``begin_write``).
    """
    session = factory()
    try:
        conn = session.connection()
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BRIEF_LOCK_WAIT_MS}")
        try:
            work(session)
            session.commit()
            return True
        except OperationalError:
            session.rollback()
            return False
        finally:
            if sqlite:
                session.connection().exec_driver_sql(f"PRAGMA busy_timeout={int(waited or 0)}")
    finally:
        session.close()
