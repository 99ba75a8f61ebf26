"""An unexpected error answers 500 with a Chinese message, is logged, and tells the
client the connection is closing (the server drops it after a 500)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _broken() -> None:
    raise RuntimeError("boom: a bug in a route")


@pytest.fixture
def app_client(
    settings: Settings, factory: sessionmaker[Session], encoder: Encoder, dispatcher: Any
) -> Iterator[TestClient]:
    from web.app import create_app

    app = create_app(settings, session_factory=factory, encoder=encoder, dispatcher=dispatcher)
    app.add_api_route("/api/v1/broken", _broken)
    app.add_api_route("/broken", _broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/v1/broken", "/broken"])
def test_a_500_says_connection_close_and_is_logged(
    app_client: TestClient, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        answer = app_client.get(path)

    assert answer.status_code == 500
    assert answer.headers["connection"] == "close"
    assert "服务器内部错误" in answer.text
    assert "boom" not in answer.text
    logged = [r for r in caplog.records if r.name == "web.errors" and r.exc_info]
    assert logged
    assert "boom: a bug in a route" in str(logged[0].exc_info[1])  # type: ignore[index]
