"""The dashboard's aggregates, cached per process under the stamps of the tables they read.

Every figure on the dashboard is a grouped query over years of rows; at district scale
(100,000 contracts, 300,000 payments) one costs up to seconds. The rows change rarely
against how often the figures are read, so each aggregate (a family of indicators for
a year, a breakdown, a quality count) is kept in this process after its first reading,
under the random stamps (``kpi_table_versions``) of the tables behind it.

* A session from a factory with :func:`install` records the tables its flushes and bulk
  statements write; once it commits, each of those tables gets a new random stamp (in a
  short transaction of its own, tables in name order, so two writers never deadlock).
  Every process then sees the change on its next read and computes the aggregate again.
* A reader reads the stamps first, then the rows: an aggregate is never older than its
  key. A table without a stamp row, a session with writes of its own not yet committed,
  or a factory without :func:`install` (the tests' rolled-back sessions) read the rows.
* A write that bypasses the session (raw SQL, another program) is seen after at most
  ``kpi_cache_seconds`` (the age limit of every entry); ``0`` turns the cache off.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from matchmaking.config import get_settings
from matchmaking.models import TableVersion

log = logging.getLogger(__name__)
T = TypeVar("T")

VERSIONS: Table = TableVersion.__table__  # type: ignore[assignment]
ENABLED = "matchmaking.kpi.cache"
_TOUCHED = "matchmaking.kpi.touched"
_INSTALLED = "_matchmaking_kpi_cache_installed"
# Entries kept per process (a district's dashboard needs a few dozen).
MAX_ENTRIES = 512

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()


def table_of(target: Any) -> str:
    """The table name behind a mapped class, an alias of one, or a Table."""
    found = inspect(target)
    mapper = getattr(found, "mapper", None)
    if mapper is not None:
        return str(mapper.local_table.name)
    return str(getattr(found, "name", target))


# ---- writers ---------------------------------------------------------------------------


def _touched(session: Session) -> set[str]:
    found: set[str] = session.info.setdefault(_TOUCHED, set())
    return found


def _pending_tables(session: Session) -> set[str]:
    """The tables of the objects the session would write on its next flush."""
    return {
        str(table.name)
        for obj in (*session.new, *session.dirty, *session.deleted)
        for table in inspect(obj).mapper.tables
    }


def _after_flush(session: Session, _context: Any) -> None:
    _touched(session).update(_pending_tables(session))


def _do_orm_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _touched(state.session).add(table_of(table))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    names = session.info.pop(_TOUCHED, set()) - {VERSIONS.name}
    if names:
        stamp(session.get_bind(), names)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_TOUCHED, None)


def stamp(bind: Engine | Connection, names: Iterable[str]) -> None:
    """Give each table a new random stamp: aggregates read from it are computed again."""
    now = datetime.now(UTC)
    missing: list[str] = []
    try:
        with _transaction(bind) as conn:
            for name in sorted(set(names)):
                done = conn.execute(
                    update(VERSIONS)
                    .where(VERSIONS.c.table_name == name)
                    .values(version=secrets.randbits(62), changed_at=now)
                )
                if done.rowcount == 0:
                    missing.append(name)
        for name in missing:
            try:
                with _transaction(bind) as conn:
                    conn.execute(
                        insert(VERSIONS).values(
                            table_name=name, version=secrets.randbits(62), changed_at=now
                        )
                    )
            except IntegrityError:
                pass  # another writer created it, with a stamp of its own
    except SQLAlchemyError:
        # The write itself is committed; the figures catch up within kpi_cache_seconds.
        log.exception("could not stamp %s; cached figures expire by age", sorted(names))


class _transaction:
    """``engine.begin()``, or a savepoint when the bind is a connection in a transaction."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.conn: Connection | None = None
        self.ctx: Any = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            self.conn = self.bind
            self.ctx = self.bind.begin_nested() if self.bind.in_transaction() else self.bind.begin()
        else:
            self.conn = self.bind.connect()
            self.ctx = self.conn.begin()
        return self.conn

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        try:
            if kind is None:
                self.ctx.commit()
            else:
                self.ctx.rollback()
        finally:
            if not isinstance(self.bind, Connection) and self.conn is not None:
                self.conn.close()


_LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _after_flush),
    ("do_orm_execute", _do_orm_execute),
    ("after_commit", _after_commit),
    ("after_soft_rollback", _after_soft_rollback),
)


def install(factory: sessionmaker[Session]) -> None:
    """Stamp the tables every session of ``factory`` writes, and let them read the cache."""
    if getattr(factory, _INSTALLED, False):
        return
    for name, listener in _LISTENERS:
        event.listen(factory, name, listener)
    factory.configure(info={**factory.kw.get("info", {}), ENABLED: True})
    setattr(factory, _INSTALLED, True)


# ---- readers ---------------------------------------------------------------------------


def _has_own_writes(session: Session, names: set[str]) -> bool:
    return bool((_touched(session) | _pending_tables(session)) & names)


def cached(session: Session, key: Hashable, tables: Iterable[str], compute: Callable[[], T]) -> T:
    """``compute()``, or its value from the last time the ``tables`` were as they are now."""
    seconds = get_settings().kpi_cache_seconds
    names = set(tables)
    if not session.info.get(ENABLED) or seconds <= 0 or _has_own_writes(session, names):
        return compute()
    ordered = sorted(names)
    found = dict(
        session.execute(
            select(VERSIONS.c.table_name, VERSIONS.c.version).where(
                VERSIONS.c.table_name.in_(ordered)
            )
        ).all()
    )
    if len(found) < len(ordered):
        return compute()
    bind = session.get_bind()
    url = str(bind.engine.url if isinstance(bind, Connection) else bind.url)
    full_key = (url, key, tuple(found[n] for n in ordered))
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and now - hit[0] < seconds:
            _entries.move_to_end(full_key)
            return copy.deepcopy(hit[1])  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        _entries[full_key] = (now, copy.deepcopy(value))
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every entry (a test measuring the cold path; a command after a bulk load)."""
    with _lock:
        _entries.clear()
