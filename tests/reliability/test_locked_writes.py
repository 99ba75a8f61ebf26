"""Defect 6: a write that finds SQLite's lock taken is retried, and never answers 500.

The app's engine waits 0.1 s for the lock (instead of 30 s) so that the test is short;
another connection holds the lock as a long import or the worker would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from tests.conftest import InlineDispatcher, make_user

pytestmark = [pytest.mark.commits, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture
def impatient(
    settings: Settings, factory: sessionmaker[Session], encoder: Encoder
) -> Iterator[tuple[TestClient, sa.Engine]]:
    """The app on an engine that waits only 0.1 s for the write lock, with an admin token."""
    from web.app import create_app

    engine = make_engine(settings.db_url, busy_timeout_ms=100)
    short = make_sessionmaker(engine)
    token = make_user(factory, "script", "admin")
    dispatcher = InlineDispatcher(short, encoder, settings)
    dispatcher.paused = True
    app = create_app(settings, session_factory=short, encoder=encoder, dispatcher=dispatcher)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, factory.kw["bind"]
    engine.dispose()


def _org(client: TestClient) -> object:
    return client.post(
        "/api/v1/organizations",
        json={"name": "海门精密制造有限公司", "kind": "enterprise", "town": "三厂街道"},
    )


def test_a_write_waits_for_a_lock_released_a_moment_later(
    impatient: tuple[TestClient, sa.Engine],
) -> None:
    client, engine = impatient
    holder = engine.connect().execution_options(sqlite_begin="immediate")
    holder.begin()
    holder.exec_driver_sql("UPDATE towns SET name = name")
    release = threading.Timer(1.0, holder.commit)
    release.start()
    try:
        answer = _org(client)
    finally:
        release.join()
        holder.close()
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]


def test_a_lock_that_stays_taken_gets_a_busy_answer_not_a_server_error(
    impatient: tuple[TestClient, sa.Engine],
) -> None:
    client, engine = impatient
    with engine.connect().execution_options(sqlite_begin="immediate") as holder:
        holder.begin()
        holder.exec_driver_sql("UPDATE towns SET name = name")
        answer = _org(client)
        holder.rollback()
    assert answer.status_code == 503, answer.text  # type: ignore[attr-defined]
    assert answer.headers["Retry-After"]  # type: ignore[attr-defined]
    assert "系统正忙" in answer.json()["message"]  # type: ignore[attr-defined]
    # Nothing was half-written: the same request now succeeds, once.
    again = _org(client)
    assert again.status_code == 201, again.text  # type: ignore[attr-defined]
