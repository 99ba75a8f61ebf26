"""Per-process index caches, derived from the database and kept in step with it.

For each kind (needs, achievements, experts) a process holds a FAISS index of
the current model's vectors and a BM25 index of the item texts. Both are
caches: the database holds the vectors and an append-only ``index_changes``
log. ``sync`` replays the log past the cache's watermark (one small query
when nothing changed); snapshots on disk let a restarted process start from a
recent state and catch up. A snapshot of another model or dimension, or one
whose checksum fails, is never served: the kind is rebuilt from the database.

A cache also records which change row its watermark is (``stamp``: the row's kind,
item and time). If that row is gone or different, the database is not the one the
cache followed: restored from a backup (its log ends before the watermark, and the
changes made since reuse the ids the cache has passed) or replaced by another. Such a
cache would never apply the new changes and would explain results with the texts of
items that no longer exist, so it is thrown away and rebuilt, at start-up (snapshots)
and at any sync (a restore under a running process); ``health`` says so meanwhile.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from sqlalchemy import Engine, event, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.snapshot import SnapshotError, read_snapshot, write_snapshot
from embeddings.vector_index import IndexParams, VectorIndex
from matchmaking import clock
from matchmaking.common.filters import ItemFilters
from matchmaking.config import Settings
from matchmaking.enums import Kind
from matchmaking.matching import relevance
from matchmaking.matching.embedding import counts, from_blob
from matchmaking.matching.kinds import SERVICES
from matchmaking.matching.text import item_text
from matchmaking.models import Embedding, IndexChange

log = logging.getLogger(__name__)

# 2: the manifest records the change row at its watermark (``stamp``).
SNAPSHOT_FORMAT = 2
# A change id not seen yet may still commit (PostgreSQL hands out sequence
# values before commit); ids skipped past the watermark are re-asked for this long.
GAP_SECONDS = 120.0
# SQLite: a sync skips reading the change log while no other connection has committed
# since its last read (``PRAGMA data_version``), for at most this long (seconds), so
# that a file replaced under the process is still noticed.
QUIET_SECONDS = 1.0
# Engines whose disposal closes the probes of these managers (the probes are not in
# the pool, so ``dispose`` would leave them open on a file about to be replaced).
_PROBING: weakref.WeakKeyDictionary[Engine, weakref.WeakSet[IndexManager]] = (
    weakref.WeakKeyDictionary()
)


def _close_on_dispose(engine: Engine, manager: IndexManager) -> None:
    managers = _PROBING.get(engine)
    if managers is None:
        managers = _PROBING[engine] = weakref.WeakSet()
        watched = managers

        @event.listens_for(engine, "engine_disposed")
        def _close_probes(_engine: Engine) -> None:
            for m in list(watched):
                m._close_probe()

    managers.add(manager)


# Above this many documents BM25 is re-indexed on the interval, not at once.
LEXICAL_INLINE_LIMIT = 20_000
CHUNK = 2_000
# How often the SQLite planner statistics are refreshed (tables grow after start).
STATS_SECONDS = 600.0
_NO_FILTERS = ItemFilters()

Progress = Callable[[str, int, int], None]


@dataclass
class KindIndex:
    kind: Kind
    vectors: VectorIndex
    lexical: LexicalIndex
    watermark: int = 0
    # The change row at the watermark ("kind:item_id:created_at"); None when 0.
    stamp: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    applied_since_snapshot: int = 0
    last_lexical_build: float = 0.0
    loaded_from: str = "empty"


def _stamp(row: Any) -> str:
    """Which change row this is, beyond its id (an id alone repeats after a restore)."""
    created = row.created_at
    return f"{row.kind}:{row.item_id}:{created.isoformat() if created else ''}"


def _log_rows(conn: Any, ids: Iterable[int]) -> dict[int, str]:
    """The stamps of these change rows that exist."""
    log = IndexChange.__table__.c
    wanted = sorted({i for i in ids if i > 0})
    if not wanted:
        return {}
    stmt = select(log.id, log.kind, log.item_id, log.created_at).where(log.id.in_(wanted))
    return {row.id: _stamp(row) for row in conn.execute(stmt)}


def _head(conn: Any) -> tuple[int, str | None]:
    """The last change row: its id (0 for an empty log) and stamp."""
    log = IndexChange.__table__.c
    row = conn.execute(
        select(log.id, log.kind, log.item_id, log.created_at).order_by(log.id.desc()).limit(1)
    ).first()
    return (0, None) if row is None else (int(row.id), _stamp(row))


def mismatch(watermark: int, stamp: str | None, found: dict[int, str], head: int) -> str | None:
    """Why a cache at ``watermark`` does not belong to this change log, or None if it does."""
    if watermark <= 0:
        return None
    if watermark > head:
        return (
            f"index watermark {watermark} is past the change log's head {head}"
            " (database restored from a backup or replaced)"
        )
    if found.get(watermark) != stamp:
        return (
            f"change {watermark} is not the one the index applied"
            " (database restored from a backup or replaced)"
        )
    return None


# The tables of a ranking's queries (items, their organizations, the feedback marks).
PLANNED_TABLES = ("needs", "achievements", "experts", "organizations", "feedback")


MAP_SUFFIX = ".faiss"


def _drop_other_maps(keep: Path) -> None:
    """Remove the mapped index files of older snapshots (a process still mapping one
    keeps its pages until it lets go)."""
    for path in keep.parent.glob(f"vectors-*{MAP_SUFFIX}"):
        if path != keep:
            path.unlink(missing_ok=True)


class IndexManager:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        encoder: Encoder,
        tokenizer: Tokenizer,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.params = IndexParams(
            exact_threshold=settings.index_exact_threshold,
            hnsw_m=settings.hnsw_m,
            hnsw_ef_search=settings.hnsw_ef_search,
            hnsw_ef_construction=settings.hnsw_ef_construction,
            hnsw_storage=settings.hnsw_storage,
        )
        self._kinds: dict[Kind, KindIndex] = {}
        self._load_lock = threading.RLock()
        self._sync_turn = threading.Condition()
        # At most one sync runs: one is running while started == done + 1.
        self._syncs_started = self._syncs_done = 0
        self._gaps: dict[int, float] = {}
        # SQLite: a connection of the sync's own, asked whether anything was committed.
        self._probe: sqlite3.Connection | None = None
        self._probe_pool: Any = None
        # (data_version before the last read of the log, the watermarks after it), when.
        self._quiet: tuple[int, tuple[tuple[str, int], ...]] | None = None
        self._quiet_at = 0.0
        self._stats_at = 0.0
        # Set while every kind is rebuilt because the log did not match (a restore).
        self.rebuilding: str | None = None
        self.last_rebuild: dict[str, Any] | None = None
        self._calibration: relevance.Calibration | None = None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def calibration(self) -> relevance.Calibration:
        """The relevance coefficients of this encoder (refused if fitted for another)."""
        cal = self._calibration
        if cal is None or cal.model_id != self.settings.relevance_model_id:
            s = self.settings
            cal = relevance.from_settings(
                s.relevance_model_id, s.relevance_coefficients, self.model_id
            )
            self._calibration = cal
        return cal

    # -- loading -----------------------------------------------------------
    def get(self, kind: Kind) -> KindIndex:
        ki = self._kinds.get(kind)
        if ki is None:
            with self._load_lock:
                ki = self._kinds.get(kind)
                if ki is None:
                    ki = self._load(kind)
                    self._kinds[kind] = ki
        return ki

    def load_all(self) -> None:
        self.refresh_planner_stats()
        for kind in Kind:
            self.get(kind)
        self.sync()

    def refresh_planner_stats(self) -> None:
        """Give the query planner table statistics.

        Without them the planner answers "these candidate ids, if active" by scanning
        the status index (every active item) instead of looking the ids up by primary
        key: on SQLite 12 ms at 30k and 40 ms at 100k; on PostgreSQL 14 ms at 10k,
        right after a bulk load that autovacuum had not analysed yet. SQLite gets a
        sampled ``ANALYZE`` (1,000 rows an index, ~5 ms); PostgreSQL an ``ANALYZE`` of
        the tables it has never analysed (autovacuum keeps them current after that).
        """
        with self.session_factory() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "sqlite":
                session.execute(text("PRAGMA analysis_limit=1000"))
                session.execute(text("ANALYZE"))
            elif dialect == "postgresql":
                never = session.scalars(
                    text(
                        "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(:names)"
                        " AND last_analyze IS NULL AND last_autoanalyze IS NULL"
                    ),
                    {"names": list(PLANNED_TABLES)},
                ).all()
                for name in never:
                    session.execute(text(f'ANALYZE "{name}"'))  # a name from the list above
            session.commit()
        self._stats_at = time.monotonic()

    def _snapshot_dir(self, kind: Kind) -> Path:
        return self.settings.index_dir / kind.value

    def _load(self, kind: Kind) -> KindIndex:
        expect = {
            "format": SNAPSHOT_FORMAT,
            "kind": kind.value,
            "model_id": self.model_id,
            "dim": self.encoder.dim,
        }
        try:
            manifest, files = read_snapshot(self._snapshot_dir(kind), expect)
            map_to = self._map_path(kind, manifest)
            vectors = VectorIndex.from_bytes(
                files["vectors"], self.encoder.dim, self.params, map_to=map_to
            )
            if map_to is not None:
                _drop_other_maps(map_to)
            lexical = LexicalIndex.from_bytes(files["lexical"])
            if len(vectors) != manifest["count"] or len(lexical) != manifest["lexical_count"]:
                raise SnapshotError("snapshot counts do not match its manifest")
            watermark, stamp = int(manifest["watermark"]), manifest.get("stamp")
            with self._connect() as conn:
                head, _ = _head(conn)
                problem = mismatch(watermark, stamp, _log_rows(conn, [watermark]), head)
            if problem:
                raise SnapshotError(problem)
        except (SnapshotError, KeyError, ValueError, OSError) as exc:
            reason = str(exc)
            if "no readable manifest" not in reason:
                log.warning("index snapshot for %s not used (%s); rebuilding", kind.value, reason)
            return self.rebuild(kind, reason=reason)
        ki = KindIndex(kind, vectors, lexical, watermark=watermark, stamp=stamp)
        ki.loaded_from = "snapshot"
        ki.last_lexical_build = time.monotonic()
        return ki

    def _map_path(self, kind: Kind, manifest: dict[str, Any]) -> Path | None:
        """The file a snapshot's FAISS index is mapped from (named by the vectors
        file's checksum, so processes loading the same snapshot map the same file),
        or None when ``index_mmap`` is off."""
        if not self.settings.index_mmap:
            return None
        sha = str(manifest["files"]["vectors"]["sha256"])
        return self._snapshot_dir(kind) / f"vectors-{sha[:16]}{MAP_SUFFIX}"

    def rebuild(
        self, kind: Kind, *, progress: Progress | None = None, reason: str = "requested"
    ) -> KindIndex:
        """Build both indexes of ``kind`` from the database and write a snapshot."""
        repo = SERVICES[kind].repo
        vectors = VectorIndex(self.encoder.dim, self.params)
        lexical = LexicalIndex()
        with self.session_factory() as session:
            watermark, stamp = _head(session)
            ids = repo.matching_ids(
                session, today=clock.local_today(), filters=_NO_FILTERS, limit=10**9
            )
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                rows = repo.get_many(session, chunk, today=clock.local_today())
                hashes = {}
                for item_id, row in rows.items():
                    lexical.upsert(
                        item_id, self.tokenizer.tokens(item_text(kind, row)), row.text_hash
                    )
                    hashes[item_id] = row.text_hash
                found = self._vectors_for(session, kind, hashes)
                if found:
                    vectors.upsert(list(found), np.stack(list(found.values())))
                if progress:
                    progress(kind.value, min(start + CHUNK, len(ids)), len(ids))
            session.rollback()
        lexical.rebuild()
        self.refresh_planner_stats()
        ki = KindIndex(kind, vectors, lexical, watermark=watermark, stamp=stamp)
        ki.loaded_from = f"rebuilt ({reason})"
        ki.last_lexical_build = time.monotonic()
        self.snapshot(ki)
        with self._load_lock:
            self._kinds[kind] = ki
        return ki

    def _vectors_for(
        self, session: Session, kind: Kind, hashes: dict[int, str]
    ) -> dict[int, np.ndarray]:
        """Current-model vectors of these items that match their current text."""
        if not hashes:
            return {}
        stmt = select(Embedding.item_id, Embedding.text_hash, Embedding.vector).where(
            Embedding.kind == kind.value,
            Embedding.model_id == self.model_id,
            Embedding.item_id.in_(list(hashes)),
        )
        dim = self.encoder.dim
        return {
            item_id: from_blob(blob, dim)
            for item_id, digest, blob in session.execute(stmt)
            if hashes.get(item_id) == digest
        }

    # -- keeping up --------------------------------------------------------
    def sync(self) -> int:
        """Apply the changes logged since the last sync; returns how many were applied.

        Concurrent callers share one read of the change log: a caller waits for a
        sync that *started* after it arrived (so it still sees every change committed
        before its call) instead of queueing for its own. Sixteen request threads
        then cost one query a round, not sixteen one after another.
        """
        with self._sync_turn:
            target = self._syncs_started + 1
            while self._syncs_done < target:
                if self._syncs_started == self._syncs_done:  # none running: run it
                    self._syncs_started += 1
                    mine = self._syncs_started
                    break
                self._sync_turn.wait()
            else:
                return 0  # another caller's sync, started after this call, covered it
        try:
            return self._sync_once()
        finally:
            with self._sync_turn:
                self._syncs_done = mine
                self._sync_turn.notify_all()

    def _sync_once(self) -> int:
        if not self._kinds:
            return 0
        # One at a time: sync() lets a single caller in.
        now = time.monotonic()
        version = self._data_version()
        if (
            version is not None
            and not self._gaps
            and self._quiet == (version, self._watermarks())
            and now - self._quiet_at < QUIET_SECONDS
        ):
            # Nothing committed anywhere since the last read of the log: no change to
            # apply (the read cost a tenth of a recommendation at 50k items).
            self._maintain_lexical()
            return 0
        applied = self._read_log(now)
        if version is not None:
            self._quiet, self._quiet_at = (version, self._watermarks()), now
        return applied

    def _watermarks(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((k.value, ki.watermark) for k, ki in self._kinds.items()))

    def _data_version(self) -> int | None:
        """SQLite's count of commits made by other connections, read on a connection the
        sync keeps for it; None on PostgreSQL, an in-memory database, a test's shared
        connection, or if the probe fails (then the log is read as usual)."""
        bind = self.session_factory.kw["bind"]
        if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
            return None
        path = bind.url.database
        if not path or path == ":memory:" or bind.url.query:
            return None
        try:
            if self._probe is None or self._probe_pool is not bind.pool:
                # A disposed pool (a file restored under the process) gets a new probe.
                self._close_probe()
                # Outside the pool: it is never handed to a request, nor left checked out.
                # "rw": it never creates a file that is not there. Not read-only: the last
                # connection to close checkpoints the WAL into the file, which a
                # read-only one cannot do (a backup copied after ``dispose`` needs it).
                uri = f"file:{quote(os.path.abspath(path))}?mode=rw"
                self._probe = sqlite3.connect(
                    uri, uri=True, check_same_thread=False, isolation_level=None
                )
                self._probe_pool = bind.pool
                _close_on_dispose(bind, self)
            probe = self._probe  # ``dispose`` in another thread may close it: then Error
            # Every row read: a statement left unfinished would hold a read transaction,
            # and the WAL could not be checkpointed past it.
            ((version,),) = probe.execute("PRAGMA data_version").fetchall()
            return int(version)
        except sqlite3.Error:
            log.warning("index sync: SQLite data_version probe failed", exc_info=True)
            self._close_probe()
            return None

    def _close_probe(self) -> None:
        probe, self._probe, self._quiet = self._probe, None, None
        if probe is not None:
            probe.close()

    def _read_log(self, now: float) -> int:
        """Read the change log past the watermark and apply what it holds."""
        watermark = min(ki.watermark for ki in self._kinds.values())
        self._gaps = {g: t for g, t in self._gaps.items() if now - t < GAP_SECONDS}
        log = IndexChange.__table__.c
        # The row at the watermark too: it proves the log is still the one the caches
        # followed (the same indexed range read, one row more).
        cond = log.id >= watermark
        if self._gaps:
            cond = or_(cond, log.id.in_(list(self._gaps)))
        # Every request asks; almost always nothing changed. A Core read on a
        # pooled connection costs a fraction of an ORM session's.
        with self._connect() as conn:
            rows = conn.execute(
                select(log.id, log.kind, log.item_id, log.created_at).where(cond).order_by(log.id)
            ).all()
        marks = {ki.watermark: ki.stamp for ki in self._kinds.values()}
        found = {r.id: _stamp(r) for r in rows if r.id in marks}
        head = rows[-1].id if rows else 0  # the log's head if it reaches the watermark
        for mark, stamp in marks.items():
            problem = mismatch(mark, stamp, found, head)
            if problem:
                self._rebuild_all(problem)
                return 0
        changes = [r for r in rows if r.id > watermark or r.id in self._gaps]
        if not changes:
            self._maintain_lexical()
            return 0
        with self.session_factory() as session:
            seen = {c.id for c in changes}
            top = max(seen)
            for gap in range(watermark + 1, top):
                if gap not in seen and gap not in self._gaps:
                    self._gaps[gap] = now
            for g in seen:
                self._gaps.pop(g, None)
            by_kind: dict[str, set[int]] = {}
            for c in changes:
                if Kind(c.kind) in self._kinds:
                    by_kind.setdefault(c.kind, set()).add(c.item_id)
            applied = 0
            for kind_value, item_ids in by_kind.items():
                applied += self._apply(session, self._kinds[Kind(kind_value)], item_ids)
            session.rollback()
        top_stamp = _stamp(changes[-1])
        for ki in self._kinds.values():
            if top > ki.watermark:
                ki.watermark, ki.stamp = top, top_stamp
        self._maintain_lexical()
        return applied

    def _connect(self) -> Any:
        bind = self.session_factory.kw["bind"]
        # A factory bound to one connection (the tests' rolled-back transaction) reads on it.
        return bind.connect() if isinstance(bind, Engine) else nullcontext(bind)

    def _rebuild_all(self, reason: str) -> None:
        """Throw every loaded kind away and build it again from the database."""
        log.warning("index caches do not match the database (%s); rebuilding them", reason)
        self.rebuilding = reason
        try:
            for kind in list(self._kinds):
                self.rebuild(kind, reason=reason)
            self._gaps.clear()
        finally:
            self.rebuilding = None
        self.last_rebuild = {"reason": reason, "at": clock.now().isoformat()}
        log.warning("index caches rebuilt from the database")

    def consistency_problem(self) -> str | None:
        """Why the loaded caches do not follow this database's change log, or None."""
        marks = {ki.watermark: ki.stamp for ki in list(self._kinds.values())}
        with self._connect() as conn:
            head, _ = _head(conn)
            found = _log_rows(conn, marks)
        for mark, stamp in marks.items():
            problem = mismatch(mark, stamp, found, head)
            if problem:
                return problem
        return None

    def _apply(self, session: Session, ki: KindIndex, item_ids: Iterable[int]) -> int:
        repo = SERVICES[ki.kind].repo
        ids = sorted(item_ids)
        rows = repo.get_many(session, ids, today=clock.local_today())
        vectors = self._vectors_for(session, ki.kind, {i: r.text_hash for i, r in rows.items()})
        with ki.lock:
            for item_id in ids:
                row = rows.get(item_id)
                if row is None:
                    ki.lexical.remove(item_id)
                    ki.vectors.remove([item_id])
                    continue
                if ki.lexical.tag(item_id) != row.text_hash or item_id not in ki.lexical:
                    tokens = self.tokenizer.tokens(item_text(ki.kind, row))
                    ki.lexical.upsert(item_id, tokens, row.text_hash)
                vector = vectors.get(item_id)
                if vector is None:
                    # Stale or missing: found lexically until the worker re-embeds it.
                    ki.vectors.remove([item_id])
                else:
                    ki.vectors.upsert([item_id], vector[None, :])
            ki.applied_since_snapshot += len(ids)
        return len(ids)

    def _maintain_lexical(self) -> None:
        now = time.monotonic()
        for ki in self._kinds.values():
            if not ki.lexical.dirty:
                continue
            small = len(ki.lexical) <= LEXICAL_INLINE_LIMIT
            if small or now - ki.last_lexical_build >= self.settings.lexical_rebuild_interval:
                with ki.lock:
                    ki.lexical.rebuild()
                    ki.last_lexical_build = time.monotonic()

    def maintain(self) -> None:
        """Periodic housekeeping: sync, and snapshot kinds with many applied changes."""
        self.sync()
        for ki in list(self._kinds.values()):
            if ki.applied_since_snapshot >= self.settings.snapshot_every_changes:
                self.snapshot(ki)
        if time.monotonic() - self._stats_at >= STATS_SECONDS:
            self.refresh_planner_stats()

    def snapshot(self, ki: KindIndex) -> None:
        with ki.lock:
            if ki.lexical.dirty:
                ki.lexical.rebuild()
            files = {"vectors": ki.vectors.to_bytes(), "lexical": ki.lexical.to_bytes()}
            manifest: dict[str, Any] = {
                "format": SNAPSHOT_FORMAT,
                "kind": ki.kind.value,
                "model_id": self.model_id,
                "dim": self.encoder.dim,
                "count": len(ki.vectors),
                "lexical_count": len(ki.lexical),
                "index_type": ki.vectors.kind,
                "watermark": ki.watermark,
                "stamp": ki.stamp,
                "written_at": time.time(),
            }
            ki.applied_since_snapshot = 0
        write_snapshot(self._snapshot_dir(ki.kind), files, manifest)

    def snapshot_all(self) -> None:
        for ki in list(self._kinds.values()):
            self.snapshot(ki)

    def health(self) -> dict[str, Any]:
        """This process's caches: ``state`` is "ok", "rebuilding" (the log did not match
        them; requests wait for the rebuild) or "inconsistent" (found by this check; the
        next sync rebuilds them), with the reason in ``problem``."""
        kinds = list(self._kinds.values())
        with self._connect() as conn:
            head, _ = _head(conn)
            found = _log_rows(conn, [ki.watermark for ki in kinds])
        problem = self.rebuilding
        if problem is None:
            problem = next(
                (p for ki in kinds if (p := mismatch(ki.watermark, ki.stamp, found, head))), None
            )
        state = "rebuilding" if self.rebuilding else "inconsistent" if problem else "ok"
        out: dict[str, Any] = {
            "state": state,
            "problem": problem,
            "last_rebuild": self.last_rebuild,
            "model_id": self.model_id,
            "dim": self.encoder.dim,
            "kinds": {},
        }
        for kind in Kind:
            ki = self._kinds.get(kind)
            if ki is None:
                out["kinds"][kind.value] = {"loaded": False}
                continue
            out["kinds"][kind.value] = {
                "loaded": True,
                "loaded_from": ki.loaded_from,
                "vectors": len(ki.vectors),
                "lexical_docs": len(ki.lexical),
                "index_type": ki.vectors.kind,
                "tombstones": ki.vectors.dead,
                "vectors_mapped": ki.vectors.mapped,
                "vector_overlay": ki.vectors.overlay_size,
                "watermark": ki.watermark,
                "behind_by": max(0, head - ki.watermark),
            }
        return out


def snapshot_health(settings: Settings, session: Session, encoder: Encoder) -> dict[str, Any]:
    """What a process starting now would find on disk, per kind (without loading it)."""
    head, _ = _head(session)
    out: dict[str, Any] = {}
    for kind in Kind:
        expect = {
            "format": SNAPSHOT_FORMAT,
            "kind": kind.value,
            "model_id": encoder.model_id,
            "dim": encoder.dim,
        }
        try:
            manifest, _ = read_snapshot(settings.index_dir / kind.value, expect)
        except SnapshotError as exc:
            out[kind.value] = {"ok": False, "problem": str(exc)}
            continue
        watermark = int(manifest["watermark"])
        problem = mismatch(watermark, manifest.get("stamp"), _log_rows(session, [watermark]), head)
        if problem:
            out[kind.value] = {"ok": False, "problem": problem}
            continue
        out[kind.value] = {
            "ok": True,
            "index_type": manifest["index_type"],
            "count": manifest["count"],
            "lexical_count": manifest["lexical_count"],
            "watermark": manifest["watermark"],
            "behind_by": max(0, head - int(manifest["watermark"])),
        }
    return out


def status_report(settings: Settings, session: Session, encoder: Encoder) -> dict[str, Any]:
    """The platform's health as ``matchmaking status`` shows it: mode, model, per-kind
    counts of items and vectors, worker liveness, the oldest pending item, the index
    snapshots a process would load, and what an operator should look at."""
    from matchmaking import health

    worker = health.workers(session, settings)
    waiting = health.pending(session)
    return {
        "mode": settings.mode.value,
        "model_id": encoder.model_id,
        "items": counts(session, encoder.model_id),
        "worker": worker,
        "pending": waiting,
        "indexes": snapshot_health(settings, session, encoder),
        "problems": health.background_problems(settings, worker, waiting),
    }
