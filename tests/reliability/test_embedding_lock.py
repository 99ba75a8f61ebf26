"""Defect 6 (worker): the model never runs inside the worker's write transaction.

The embed task used to encode inside ``BEGIN IMMEDIATE``: while the model ran, every
other writer (a user's edit, the reconcile task) waited on SQLite's lock and failed
after the busy timeout. Now the texts are read, encoded with no transaction open, and
the vectors stored in a short write that re-checks each text (an edit made while the
model ran is not overwritten by a vector of the old text).

The encoder is the real one, wrapped: on its first call it has another connection
write and commit, as a user's edit would, without waiting for the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.enums import EmbeddingStatus, Kind
from matchmaking.matching.text import item_text, text_hash
from matchmaking.models import Embedding, Need
from tests.factories import make_need

pytestmark = [pytest.mark.commits, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


class WritesWhileEncoding:
    """The real encoder; before its first batch, ``write`` runs on another connection
    that does not wait for the lock (busy timeout 0) and commits."""

    def __init__(
        self, encoder: Encoder, factory: sessionmaker[Session], write: Callable[[Session], None]
    ) -> None:
        self.encoder, self.factory, self.write = encoder, factory, write
        self.model_id, self.dim = encoder.model_id, encoder.dim
        self.outcome = ""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not self.outcome:
            self.outcome = self._other_writer()
        return self.encoder.encode_documents(texts)

    def _other_writer(self) -> str:
        with self.factory.kw["bind"].connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            conn.commit()
            conn.execution_options(sqlite_begin="immediate")
            try:
                with Session(bind=conn) as session:
                    self.write(session)
                    session.commit()
                return "committed"
            except OperationalError as exc:
                return f"failed: {exc.orig}"
            finally:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA busy_timeout=30000")
                conn.commit()


def _run_embed_task(
    monkeypatch: pytest.MonkeyPatch,
    factory: sessionmaker[Session],
    encoder: WritesWhileEncoding,
    need_id: int,
) -> None:
    """The worker's task body, on the test's database and encoder."""
    import matchmaking.db
    import workers.tasks.embeddings as tasks

    monkeypatch.setattr(matchmaking.db, "get_sessionmaker", lambda: factory)
    monkeypatch.setattr(tasks, "get_sessionmaker", lambda: factory, raising=False)
    monkeypatch.setattr(tasks, "get_encoder", lambda: encoder)
    with jobs.handled_inline():
        tasks.embed.run(Kind.NEEDS.value, [need_id])


def _new_need(factory: sessionmaker[Session]) -> int:
    with jobs.handled_inline(), factory() as session:
        need_id = make_need(session).id
        session.commit()
    return need_id


def test_an_edit_commits_while_the_worker_encodes(
    monkeypatch: pytest.MonkeyPatch, factory: sessionmaker[Session], encoder: Encoder
) -> None:
    need_id = _new_need(factory)
    other = _new_need(factory)

    def edit_another_need(session: Session) -> None:
        session.get_one(Need, other).title = "改过的需求名称"

    probe = WritesWhileEncoding(encoder, factory, edit_another_need)
    _run_embed_task(monkeypatch, factory, probe, need_id)

    assert probe.outcome == "committed"
    with factory() as session:
        assert session.get_one(Need, other).title == "改过的需求名称"
        need = session.get_one(Need, need_id)
        assert need.embedding_status == EmbeddingStatus.READY
        stored = session.scalar(select(Embedding.text_hash).where(Embedding.item_id == need_id))
        assert stored == text_hash(item_text(Kind.NEEDS, need))


def test_a_vector_of_a_text_edited_meanwhile_is_not_stored(
    monkeypatch: pytest.MonkeyPatch, factory: sessionmaker[Session], encoder: Encoder
) -> None:
    need_id = _new_need(factory)

    def edit_the_need(session: Session) -> None:
        # What the service does on an edit: new text, new hash, pending again.
        session.execute(
            text("UPDATE needs SET description = :d WHERE id = :i"),
            {"d": "改为船舶压载水紫外处理需求，要求满足排放标准。", "i": need_id},
        )

    probe = WritesWhileEncoding(encoder, factory, edit_the_need)
    _run_embed_task(monkeypatch, factory, probe, need_id)

    assert probe.outcome == "committed"
    with factory() as session:
        need = session.get_one(Need, need_id)
        assert "压载水" in need.description
        # No vector of the old text under the new one; the edit's own job will make it.
        assert session.scalar(select(Embedding).where(Embedding.item_id == need_id)) is None
        assert need.embedding_status != EmbeddingStatus.READY
