"""Computing, storing and reconciling item vectors (the database is their home)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from embeddings.cache import VectorCache
from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.common.service import EMBED_TASK
from matchmaking.db import write_unit
from matchmaking.enums import EmbeddingStatus, Kind
from matchmaking.matching.kinds import SERVICES
from matchmaking.matching.text import item_text, text_hash
from matchmaking.models import Embedding, IndexChange
from matchmaking.models.base import utcnow

log = logging.getLogger(__name__)

BATCH = 32


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    v = np.frombuffer(blob, dtype="<f4")
    if v.shape != (dim,):
        raise ValueError(f"stored vector has {v.size} values, expected {dim}")
    return v


@dataclass
class EmbedResult:
    encoded: int = 0
    reused: int = 0
    missing: list[int] = field(default_factory=list)
    # Items whose text changed while their vector was computed: not stored (their
    # edit's own job computes the right one).
    stale: list[int] = field(default_factory=list)


def store_vectors(
    session: Session,
    kind: Kind,
    model_id: str,
    rows: Sequence[tuple[int, str, np.ndarray]],
) -> None:
    """Upsert (item id, text hash, vector) rows for one model and log the index changes."""
    if not rows:
        return
    ids = [r[0] for r in rows]
    existing = {
        e.item_id: e
        for e in session.scalars(
            select(Embedding).where(
                Embedding.kind == kind.value,
                Embedding.model_id == model_id,
                Embedding.item_id.in_(ids),
            )
        )
    }
    now = utcnow()
    for item_id, digest, vector in rows:
        blob = to_blob(vector)
        row = existing.get(item_id)
        if row is None:
            session.add(
                Embedding(
                    kind=kind.value,
                    item_id=item_id,
                    model_id=model_id,
                    text_hash=digest,
                    dim=int(vector.shape[0]),
                    vector=blob,
                    created_at=now,
                )
            )
        else:
            row.text_hash, row.dim, row.vector, row.created_at = (
                digest,
                int(vector.shape[0]),
                blob,
                now,
            )
        session.add(IndexChange(kind=kind.value, item_id=item_id))
    session.flush()


@dataclass
class EmbedPlan:
    """What an embed job must compute: read in one short read, encoded with no lock held."""

    kind: Kind
    model_id: str
    # (item id, text hash, text) of the items whose stored vector is missing or stale.
    todo: list[tuple[int, str, str]] = field(default_factory=list)
    # (item id, text hash) of the items whose stored vector is current.
    ready: list[tuple[int, str]] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def plan_embedding(
    session: Session, model_id: str, kind: Kind, ids: Sequence[int], *, force: bool = False
) -> EmbedPlan:
    """Read which of these items need a vector of their current text (writes nothing)."""
    model = SERVICES[kind].repo.model
    plan = EmbedPlan(kind, model_id)
    items = {i.id: i for i in session.scalars(select(model).where(model.id.in_(list(ids))))}
    plan.missing = [i for i in ids if i not in items]
    if not items:
        return plan
    stored = {
        e.item_id: e.text_hash
        for e in session.execute(
            select(Embedding.item_id, Embedding.text_hash).where(
                Embedding.kind == kind.value,
                Embedding.model_id == model_id,
                Embedding.item_id.in_(list(items)),
            )
        )
    }
    for item in items.values():
        text = item_text(kind, item)
        digest = text_hash(text)
        if stored.get(item.id) == digest and not force:
            plan.ready.append((item.id, digest))
        else:
            plan.todo.append((item.id, digest, text))
    return plan


def encode_plan(
    encoder: Encoder, plan: EmbedPlan, cache: VectorCache | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """The vectors of the plan's texts by text hash (model inference: no database here),
    and how many were computed (the others came from the cache)."""
    todo = plan.todo
    cached = cache.get_many(d for _, d, _ in todo) if cache is not None else {}
    fresh = [t for t in todo if t[1] not in cached]
    vectors: dict[str, np.ndarray] = dict(cached)
    if fresh:
        matrix = encoder.encode_documents([t[2] for t in fresh])
        for (_, digest, _), vector in zip(fresh, matrix, strict=True):
            vectors[digest] = vector
        if cache is not None:
            cache.put_many([t[1] for t in fresh], matrix)
    return vectors, len(fresh)


def save_embedding(session: Session, plan: EmbedPlan, vectors: dict[str, np.ndarray]) -> list[int]:
    """Store the plan's vectors and mark their items ready (a short write; flushes).

    The items are read again: one whose text changed since the plan was read (an edit
    committed while the model ran) is left as it is, since the vector is of a text it
    no longer has; the edit's own job computes the right one. Returns those items.
    """
    kind = plan.kind
    model = SERVICES[kind].repo.model
    ready = dict(plan.ready)
    planned = ready | {i: d for i, d, _ in plan.todo}
    items = session.scalars(select(model).where(model.id.in_(list(planned))))
    rows: list[tuple[int, str, np.ndarray]] = []
    stale: list[int] = []
    for item in items:
        digest = text_hash(item_text(kind, item))
        if planned[item.id] != digest:
            stale.append(item.id)
            continue
        if item.text_hash != digest:
            item.text_hash = digest  # a row written by hand or an old version
        if item.id not in ready:
            rows.append((item.id, digest, vectors[digest]))
        item.embedding_status = EmbeddingStatus.READY
    store_vectors(session, kind, plan.model_id, rows)
    session.flush()
    return sorted(stale)


def _result(plan: EmbedPlan, encoded: int, stale: list[int]) -> EmbedResult:
    return EmbedResult(
        encoded=encoded,
        reused=len(plan.ready) + len(plan.todo) - encoded,
        missing=plan.missing,
        stale=stale,
    )


def embed_items(
    session: Session,
    encoder: Encoder,
    kind: Kind,
    ids: Sequence[int],
    cache: VectorCache | None = None,
) -> EmbedResult:
    """Make sure each item has a vector of its current text under the encoder's model,
    all in the caller's transaction (a script or a test that owns the database).

    Idempotent: an item whose stored vector already matches its text hash is
    only marked ready; a missing item is reported, not an error. The worker uses
    :func:`embed_outside_lock` instead, which runs the model with no lock held.
    """
    plan = plan_embedding(session, encoder.model_id, kind, ids)
    vectors, encoded = encode_plan(encoder, plan, cache)
    stale = save_embedding(session, plan, vectors)
    return _result(plan, encoded, stale)


def embed_outside_lock(
    factory: sessionmaker[Session],
    encoder: Encoder,
    kind: Kind,
    ids: Sequence[int],
    *,
    force: bool = False,
    cache: VectorCache | None = None,
) -> EmbedResult:
    """:func:`embed_items` in three steps, so that the model never runs under the write
    lock: read the texts (a read transaction), encode them (no transaction), then store
    the vectors in a short write that re-checks each text hash (``write_unit``: retried
    when the lock stays taken). ``force``: recompute even current vectors.
    """
    with factory() as session:
        plan = plan_embedding(session, encoder.model_id, kind, ids, force=force)
        session.rollback()
    vectors, encoded = encode_plan(encoder, plan, cache)
    stale = write_unit(factory, lambda session: save_embedding(session, plan, vectors))
    return _result(plan, encoded, stale)


def stale_ids(session: Session, kind: Kind, model_id: str, *, older_than: timedelta) -> list[int]:
    """Items without a vector of their current text under ``model_id``.

    Items changed within ``older_than`` are left alone: their task is most
    likely still on its way.
    """
    model = SERVICES[kind].repo.model
    stmt = (
        select(model.id)
        .outerjoin(
            Embedding,
            and_(
                Embedding.kind == kind.value,
                Embedding.item_id == model.id,
                Embedding.model_id == model_id,
            ),
        )
        .where(
            (Embedding.id.is_(None)) | (Embedding.text_hash != model.text_hash),
            model.updated_at <= utcnow() - older_than,
        )
        .order_by(model.id)
    )
    return list(session.scalars(stmt))


def reconcile(session: Session, model_id: str, *, older_than: timedelta) -> dict[str, int]:
    """Find every item whose vector is missing or stale and enqueue it again."""
    found: dict[str, int] = {}
    for kind, service in SERVICES.items():
        ids = stale_ids(session, kind, model_id, older_than=older_than)
        found[kind.value] = len(ids)
        if not ids:
            continue
        model = service.repo.model
        session.execute(
            update(model)
            .where(model.id.in_(ids), model.embedding_status == EmbeddingStatus.READY)
            .values(embedding_status=EmbeddingStatus.PENDING)
        )
        for start in range(0, len(ids), BATCH):
            jobs.enqueue(session, EMBED_TASK, kind.value, ids[start : start + BATCH])
    if any(found.values()):
        log.info("reconcile re-enqueued %s", found)
    return found


def counts(session: Session, model_id: str) -> dict[str, dict[str, int]]:
    """Per kind: items, pending, vectors under this model, items with only other models."""
    out: dict[str, dict[str, int]] = {}
    for kind, service in SERVICES.items():
        model = service.repo.model
        total = session.scalar(select(func.count()).select_from(model)) or 0
        pending = (
            session.scalar(
                select(func.count()).where(model.embedding_status != EmbeddingStatus.READY)
            )
            or 0
        )
        current = (
            session.scalar(
                select(func.count()).where(
                    Embedding.kind == kind.value,
                    Embedding.model_id == model_id,
                    Embedding.text_hash == model.text_hash,
                    Embedding.item_id == model.id,
                )
            )
            or 0
        )
        other_models = (
            session.scalar(
                select(func.count(func.distinct(Embedding.item_id))).where(
                    Embedding.kind == kind.value, Embedding.model_id != model_id
                )
            )
            or 0
        )
        out[kind.value] = {
            "items": total,
            "pending": pending,
            "vectors_current": current,
            "stale_or_missing": total - current,
            "vectors_other_models": other_models,
        }
    return out


def ids_to_embed(session: Session, kind: Kind, model_id: str, *, force: bool) -> list[int]:
    """Items of ``kind`` to (re)compute: every one with ``force``, else those without a
    vector of their current text under ``model_id`` (however recently changed)."""
    if force:
        every: list[int] = SERVICES[kind].repo.all_ids(session)
        return every
    return stale_ids(session, kind, model_id, older_than=timedelta(0))
