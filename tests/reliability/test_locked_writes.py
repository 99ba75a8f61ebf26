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


def test_a_page_that_writes_on_get_survives_a_commit_between_its_reads(
    impatient: tuple[TestClient, sa.Engine], factory: sessionmaker[Session]
) -> None:
    """Seen in the browser flow: opening a docking (which marks its notifications read)
    answered 系统正忙 because the worker committed an email's delivery row between the
    page's first read and its write. Here the worker is another connection that commits
    right after the request's first query, as an unsubscribe link is opened."""
    from matchmaking.models import User
    from matchmaking.outbound import service, tokens
    from matchmaking.outbound.kinds import Category, Frequency

    client, worker = impatient
    make_user(factory, "gaoxiao", "admin")
    with factory() as session:
        user = session.scalars(sa.select(User).where(User.username == "gaoxiao")).one()
    app_engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    committed: list[bool] = []

    def worker_commits(*_args: object) -> None:
        if committed:
            return
        committed.append(True)
        try:  # waits 0.1 s at most: the request may hold the write lock (then it is first)
            with worker.connect() as other:
                other.exec_driver_sql("PRAGMA busy_timeout=100")
                other.exec_driver_sql("UPDATE towns SET name = name || ''")
                other.commit()
        except sa.exc.OperationalError:
            pass

    sa.event.listen(app_engine, "after_cursor_execute", worker_commits)
    try:
        page = client.get(f"/unsubscribe/{tokens.unsubscribe_token(user.id, Category.DOCKING)}")
    finally:
        sa.event.remove(app_engine, "after_cursor_execute", worker_commits)
    assert committed
    assert page.status_code == 200, page.text
    with factory() as session:
        assert service.preferences(session, user.id)[Category.DOCKING] is Frequency.OFF
