"""Embedded mode: the web process and the worker write to one SQLite file at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.db import session_scope
from matchmaking.models import IndexChange
from tests.conftest import make_user
from tests.web.pages_helpers import csrf

# A second connection writes while the app waits for it.
pytestmark = pytest.mark.commits


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_login_waits_for_a_worker_that_is_writing(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "waiter", "admin")
    browser = make_client()
    token = csrf(browser)
    started, release = threading.Event(), threading.Event()

    def worker_writes() -> None:
        # As the embedding task does: a write transaction that takes a while.
        with session_scope(factory, write=True) as session:
            session.add(IndexChange(kind="needs", item_id=1))
            session.flush()
            started.set()
            release.wait(120)  # the safety net; released by the login's write below

    # Release the worker half a second after the login asked to write, not at a fixed
    # time: on a busy machine the request could start after a timer released the lock,
    # and the test would pass without any contention.
    asked_while_locked: list[bool] = []
    engine = factory.kw["bind"]

    def login_writes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes = statement.lstrip().upper().startswith(("INSERT", "UPDATE", "BEGIN IMMEDIATE"))
        if writes and threading.current_thread() is not thread and not asked_while_locked:
            asked_while_locked.append(not release.is_set())
            threading.Timer(0.5, release.set).start()

    thread = threading.Thread(target=worker_writes)
    thread.start()
    assert started.wait(60)
    event.listen(engine, "before_cursor_execute", login_writes)
    try:
        # The login reads, then records its attempt: it must wait for the worker, not fail.
        response = browser.post(
            "/login",
            data={"username": "waiter", "password": "correct-horse-battery", "csrf_token": token},
            follow_redirects=False,
        )
    finally:
        event.remove(engine, "before_cursor_execute", login_writes)
        release.set()
        thread.join(60)
    assert asked_while_locked == [True]
    assert response.status_code == 303, response.text[:300]
