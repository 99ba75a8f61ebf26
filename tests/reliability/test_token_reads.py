"""Defect 5: reads with an API token never take the SQLite write lock.

Forty clients reading at the same moment with the same token all get their answer;
before, each read wrote the token's last-used time inside its own transaction and most
of them failed with "database is locked".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.models import ApiToken
from tests.conftest import InlineDispatcher, make_user

pytestmark = [pytest.mark.commits, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
CLIENTS = 40


@pytest.fixture
def server(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    dispatcher: InlineDispatcher,
) -> Iterator[str]:
    """The app on a real server (its own thread pool, one connection per request)."""
    from web.app import SERVER_OPTIONS, create_app

    app = create_app(settings, session_factory=factory, encoder=encoder, dispatcher=dispatcher)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **SERVER_OPTIONS)
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.05):
        if served.started or not thread.is_alive():
            started.set()
    assert served.started
    port = served.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=30)


def test_forty_simultaneous_token_reads_all_succeed(
    server: str, factory: sessionmaker[Session]
) -> None:
    token = make_user(factory, "script", "admin")
    go = threading.Barrier(CLIENTS)

    def read(_n: int) -> int:
        with httpx.Client(base_url=server, timeout=60) as http:
            go.wait()
            response = http.get("/api/v1/dockings", headers={"Authorization": f"Bearer {token}"})
            return response.status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(read, range(CLIENTS)))

    assert statuses == [200] * CLIENTS
    # The token still shows when it was last used (the account page lists it).
    with factory() as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_token_read_is_answered_while_another_process_writes(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    token = make_user(factory, "script", "admin")
    script = make_client(token)
    engine = factory.kw["bind"]

    with engine.connect().execution_options(sqlite_begin="immediate") as worker:
        with worker.begin() as writing:  # the worker holds the write lock
            response = script.get("/api/v1/dockings")
            writing.rollback()

    assert response.status_code == 200
