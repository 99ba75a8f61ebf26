"""End to end with real worker processes.

Production shape: PostgreSQL + Redis broker + a ``celery worker`` process.
Embedded shape: ``matchmaking serve`` (SQLite + filesystem broker), which starts
its own worker process; everything goes over HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from tests.conftest import REDIS_URL, make_user
from tests.support.processes import ROOT, free_port, start, stop, wait_until

pytestmark = pytest.mark.e2e

NEED = {
    "title": "氢燃料电池金属双极板耐腐蚀涂层开发",
    "description": "金属双极板在燃料电池酸性环境下腐蚀严重，接触电阻升高，需要耐腐蚀导电涂层。",
    "industry_field": "hydrogen_storage",
    "cooperation_mode": "joint_development",
}
ACHIEVEMENT = {
    "title": "燃料电池金属双极板碳基复合涂层",
    "abstract": "针对质子交换膜燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层。",
    "industry_field": "hydrogen_storage",
    "maturity": "scaleup",
    "cooperation_mode": "licensing",
}


@pytest.fixture
def production_env(postgres_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield {
        "MATCHMAKING_MODE": "production",
        "MATCHMAKING_DATABASE_URL": postgres_url,
        "MATCHMAKING_BROKER_URL": REDIS_URL,
        "MATCHMAKING_SECRET_KEY": "e2e-" + "x" * 40,
        "MATCHMAKING_DATA_DIR": str(tmp_path / "worker-var"),
        "MATCHMAKING_RECONCILE_INTERVAL": "2",
        "MATCHMAKING_PENDING_GRACE_SECONDS": "1",
    }
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.postgres
def test_worker_on_redis_embeds_new_need_and_reconcile_heals_lost_task(
    production_env: dict[str, str], tmp_path: Path, encoder: Encoder
) -> None:
    from web.app import create_app
    from workers.celery_app import create_celery

    settings = Settings(
        **{k.removeprefix("MATCHMAKING_").lower(): v for k, v in production_env.items()}
    )
    engine = make_engine(settings.db_url)
    factory: sessionmaker[Session] = make_sessionmaker(engine)
    from tests.conftest import _empty_tables

    _empty_tables(factory)
    celery = create_celery(settings)
    sent: list[Any] = []

    def dispatch(name: str, args: tuple[Any, ...]) -> None:
        sent.append(name)
        celery.send_task(name, args=list(args))

    worker = start(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app:app", "worker",
         "--beat", "--concurrency", "1", "--loglevel", "INFO"],
        production_env, tmp_path / "worker.log",
    )  # fmt: skip
    app = create_app(settings, session_factory=factory, encoder=encoder, dispatcher=dispatch,
                     maintenance_interval=0.3)  # fmt: skip
    try:
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {make_user(factory, 'admin', 'admin')}"
            ent = client.post(
                "/api/v1/organizations",
                json={"name": "海门氢能动力科技有限公司", "kind": "enterprise"},
            ).json()["id"]  # noqa: E501
            uni = client.post(
                "/api/v1/organizations", json={"name": "同济大学", "kind": "university"}
            ).json()["id"]  # noqa: E501
            ach = client.post("/api/v1/achievements", json={**ACHIEVEMENT, "org_id": uni}).json()
            need = client.post("/api/v1/needs", json={**NEED, "org_id": ent}).json()
            assert need["embedding_status"] == "pending"
            assert "embeddings.embed" in sent

            def ready(path: str) -> bool:
                return client.get(path).json()["embedding_status"] == "ready"

            wait_until(
                lambda: ready(f"/api/v1/needs/{need['id']}"), 180, "the worker to embed the need"
            )
            wait_until(lambda: ready(f"/api/v1/achievements/{ach['id']}"), 60, "the achievement")
            recs = client.get(f"/api/v1/needs/{need['id']}/recommendations").json()["items"]
            assert recs[0]["item"]["id"] == ach["id"]
            assert recs[0]["dense_score"] is not None

            # A lost message: the item is committed but nothing reaches the broker.
            jobs.set_dispatcher(lambda _n, _a: None)
            lost = client.post(
                "/api/v1/achievements",
                json={**ACHIEVEMENT, "org_id": uni, "title": "双极板激光焊接密封技术"},
            ).json()  # noqa: E501
            assert lost["embedding_status"] == "pending"
            # beat runs reconcile every 2 s; the worker then embeds it.
            wait_until(
                lambda: ready(f"/api/v1/achievements/{lost['id']}"),
                60,
                "reconcile to heal the lost task",
            )  # noqa: E501
    finally:
        stop(worker)
        engine.dispose()
    assert "embeddings.reconcile" in (tmp_path / "worker.log").read_text()


ADMIN_PASSWORD = "e2e-admin-password"


def _csrf_field(html: str) -> str:
    from bs4 import BeautifulSoup

    field = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None, html[:300]
    return str(field["value"])


def test_embedded_serve_runs_its_own_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {"MATCHMAKING_MODE": "embedded", "MATCHMAKING_DATA_DIR": str(tmp_path / "var")}
    # The first administrator, as a deployment makes it (password from the environment).
    subprocess.run(
        [sys.executable, "-m", "cli", "user", "create", "admin", "--role", "admin"],
        cwd=ROOT,
        env={**os.environ, **env, "MATCHMAKING_NEW_PASSWORD": ADMIN_PASSWORD},
        check=True,
        capture_output=True,
    )
    server = start([sys.executable, "-m", "cli", "serve", "--port", str(port)],
                   env, tmp_path / "serve.log")  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:

            def up() -> bool:
                try:
                    return http.get("/api/v1/status").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(up, 120, "matchmaking serve to answer")
            # Log in through the form; API changes then carry the page's CSRF token.
            login_form = http.get("/login").text
            http.post(
                "/login",
                data={
                    "username": "admin",
                    "password": ADMIN_PASSWORD,
                    "csrf_token": _csrf_field(login_form),
                },
            )
            http.headers["X-CSRF-Token"] = _csrf_field(http.get("/account").text)

            def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
                response = http.post(path, json=body)
                assert response.status_code == 201, response.text
                return dict(response.json())

            ent = post(
                "/api/v1/organizations", {"name": "海门氢能动力科技有限公司", "kind": "enterprise"}
            )["id"]
            uni = post("/api/v1/organizations", {"name": "同济大学", "kind": "university"})["id"]
            ach = post("/api/v1/achievements", {**ACHIEVEMENT, "org_id": uni})
            need = post("/api/v1/needs", {**NEED, "org_id": ent})

            def ready() -> bool:
                got = http.get(f"/api/v1/needs/{need['id']}").json()
                return bool(got["embedding_status"] == "ready")

            wait_until(ready, 180, "the embedded worker to embed the need")
            recs = http.get(f"/api/v1/needs/{need['id']}/recommendations").json()["items"]
            assert recs[0]["item"]["id"] == ach["id"]
            home = http.get("/")
            assert home.status_code == 200
            assert "产学研" in home.text
    finally:
        stop(server)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "celery@" in log  # the worker process really ran
    # On shutdown the server wrote its index snapshots.
    assert (tmp_path / "var" / "indexes" / "needs" / "manifest.json").exists()
