"""Computing, storing and reconciling item vectors (the database is their home)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from embeddings.cache import VectorCache
from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.common.service import EMBED_TASK
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


def embed_items(
    session: Session,
    encoder: Encoder,
    kind: Kind,
    ids: Sequence[int],
    cache: VectorCache | None = None,
) -> EmbedResult:
    """Make sure each item has a vector of its current text under the encoder's model.

    Idempotent: an item whose stored vector already matches its text hash is
    only marked ready; a missing item is reported, not an error.
    """
    service = SERVICES[kind]
    model = service.repo.model
    result = EmbedResult()
    items = {i.id: i for i in session.scalars(select(model).where(model.id.in_(list(ids))))}
    result.missing = [i for i in ids if i not in items]
    if not items:
        return result
    stored = {
        e.item_id: e.text_hash
        for e in session.execute(
            select(Embedding.item_id, Embedding.text_hash).where(
                Embedding.kind == kind.value,
                Embedding.model_id == encoder.model_id,
                Embedding.item_id.in_(list(items)),
            )
        )
    }
    todo: list[tuple[int, str, str]] = []
    for item in items.values():
        text = item_text(kind, item)
        digest = text_hash(text)
        if item.text_hash != digest:
            item.text_hash = digest  # a row written by hand or an old version
        if stored.get(item.id) == digest:
            result.reused += 1
        else:
            todo.append((item.id, digest, text))
    cached = cache.get_many(d for _, d, _ in todo) if cache is not None else {}
    fresh = [t for t in todo if t[1] not in cached]
    vectors: dict[str, np.ndarray] = dict(cached)
    if fresh:
        matrix = encoder.encode_documents([t[2] for t in fresh])
        for (_, digest, _), vector in zip(fresh, matrix, strict=True):
            vectors[digest] = vector
        if cache is not None:
            cache.put_many([t[1] for t in fresh], matrix)
    result.encoded = len(fresh)
    result.reused += len(todo) - len(fresh)
    store_vectors(session, kind, encoder.model_id, [(i, d, vectors[d]) for i, d, _ in todo])
    for item in items.values():
        item.embedding_status = EmbeddingStatus.READY
    session.flush()
    return result


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


def forget_vectors(session: Session, kind: Kind, model_id: str, ids: Sequence[int]) -> None:
    """Drop these items' vectors under ``model_id`` so the next embed recomputes them."""
    session.execute(
        delete(Embedding).where(
            Embedding.kind == kind.value,
            Embedding.model_id == model_id,
            Embedding.item_id.in_(list(ids)),
        )
    )


def ids_to_embed(session: Session, kind: Kind, model_id: str, *, force: bool) -> list[int]:
    """Items of ``kind`` to (re)compute: every one with ``force``, else those without a
    vector of their current text under ``model_id`` (however recently changed)."""
    if force:
        every: list[int] = SERVICES[kind].repo.all_ids(session)
        return every
    return stale_ids(session, kind, model_id, older_than=timedelta(0))


def reembed(
    session: Session, encoder: Encoder, kind: Kind, ids: Sequence[int], *, force: bool
) -> EmbedResult:
    """Compute these items' vectors now (``force``: even those that look current); flushes."""
    if force:
        forget_vectors(session, kind, encoder.model_id, ids)
    return embed_items(session, encoder, kind, ids)
