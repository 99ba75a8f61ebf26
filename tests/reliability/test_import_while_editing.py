"""Defect 6 (web): a large import no longer holds SQLite's write lock from start to end.

Before, confirming an import ran the whole file in the request, in one transaction:
10,000 rows held the lock for minutes and people's edits meanwhile failed after the
busy timeout. Now the worker commits the rows in chunks, each a short write with the
job's progress, and the person who started it watches a progress page.

A real server (its own threads and connections) and a "worker" thread running the
import job as the Celery task does; another thread edits a need all along.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.importing import runs
from matchmaking.models import ImportJob, Need
from tests.conftest import make_user
from tests.importing.conftest import Orgs
from tests.web.pages_helpers import soup

pytestmark = [pytest.mark.commits, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
ROWS = 300
BAD = (5, 77, 250)  # data rows (0-based) with an industry field that does not exist
CHUNK = 50
TITLE = "导入的需求"


class WorkerThreads:
    """The worker, as threads: an import job runs in a thread of its own (chunks of 50
    rows, a pause between them, as configured); embedding jobs are left for later."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory, self.settings = factory, settings
        self.threads: list[threading.Thread] = []

    def __call__(self, name: str, args: tuple[Any, ...]) -> None:
        if name != runs.IMPORT_TASK:
            return
        thread = threading.Thread(
            target=runs.run, args=(self.factory, self.settings, *args), kwargs={"chunk": CHUNK}
        )
        thread.start()
        self.threads.append(thread)


@pytest.fixture
def worker(factory: sessionmaker[Session], settings: Settings) -> Iterator[WorkerThreads]:
    threads = WorkerThreads(factory, settings)
    yield threads
    for thread in threads.threads:
        thread.join(timeout=300)


@pytest.fixture
def server(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    worker: WorkerThreads,
    registered: Orgs,
) -> Iterator[str]:
    from web.app import SERVER_OPTIONS, create_app

    app = create_app(settings, session_factory=factory, encoder=encoder, dispatcher=worker)
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


def _csv() -> bytes:
    lines = ["需求名称,需求描述,行业领域,合作方式"]
    for i in range(ROWS):
        field = "航天" if i in BAD else "氢能与新型储能"
        lines.append(
            f"{TITLE}（{i}）,不锈钢双极板在酸性湿热环境下腐蚀严重，需要导电防护涂层（{i}）。,"
            f"{field},合作开发"
        )
    return ("\n".join(lines) + "\n").encode()


def _login(http: httpx.Client, username: str) -> str:
    page = http.get("/login")
    token = str(soup(page.text).select_one("input[name=csrf_token]")["value"])  # type: ignore[index]
    sent = http.post(
        "/login",
        data={"username": username, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert sent.status_code == 303, sent.text[:300]
    # The session's token after the login (the login starts a new session).
    meta = soup(http.get("/transfer").text).select_one("meta[name=csrf-token]")
    assert meta is not None
    return str(meta["content"])


def _imported(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).where(Need.title.like(f"{TITLE}%"))) or 0


def test_edits_go_through_while_a_large_import_runs_and_its_page_shows_progress(
    server: str, factory: sessionmaker[Session], registered: Orgs
) -> None:
    api_token = make_user(factory, "editor", "enterprise", org_id=registered.company)
    make_user(factory, "importer", "enterprise", org_id=registered.company)
    api = httpx.Client(
        base_url=server, timeout=120, headers={"Authorization": f"Bearer {api_token}"}
    )
    created = api.post(
        "/api/v1/needs",
        json={
            "title": "电机冷却结构优化",
            "description": "高速电机转子温升过高，需要新的冷却结构设计方案。",
            "org_id": registered.company,
            "industry_field": "nev",
            "cooperation_mode": "joint_development",
        },
    )
    assert created.status_code == 201, created.text
    need_id = created.json()["id"]

    page = httpx.Client(base_url=server, timeout=120, follow_redirects=False)
    csrf = _login(page, "importer")
    uploaded = page.post(
        "/transfer/upload/needs",
        data={"csrf_token": csrf},
        files={"file": ("needs.csv", _csv(), "text/csv")},
    )
    assert uploaded.status_code == 303, uploaded.text[:300]
    upload_token = uploaded.headers["location"].rsplit("/", 1)[1]

    # Someone edits a need all along the import.
    finished = threading.Event()
    edits: list[tuple[int, int]] = []  # (status, imported rows visible right after it)

    def edit() -> None:
        n = 0
        while not finished.is_set():
            n += 1
            answer = api.patch(f"/api/v1/needs/{need_id}", json={"title": f"电机冷却结构优化{n}"})
            edits.append((answer.status_code, _imported(factory)))

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        started = page.post(f"/transfer/import/{upload_token}", data={"csrf_token": csrf})
        assert started.status_code == 303
        job_url = started.headers["location"]
        assert re.fullmatch(r"/transfer/imports/\d+", job_url)
        progress_seen: list[str] = []
        while True:
            shown = page.get(job_url)
            assert shown.status_code == 200
            if "import-progress" not in shown.text:  # the result, no longer the bar
                break
            progress_seen.append(shown.text)
    finally:
        finished.set()
        editor.join(timeout=300)

    # Every edit went through, and some while the import was half-way: its lock is
    # taken a chunk at a time.
    assert edits
    assert {status for status, _ in edits} == {200}
    assert any(0 < seen < ROWS - len(BAD) for _, seen in edits), edits
    # The good rows are all kept; the bad ones are listed by row number and reason.
    assert _imported(factory) == ROWS - len(BAD)
    html = soup(shown.text)
    assert "导入完成" in html.select_one("h1").get_text()  # type: ignore[union-attr]
    listed = [td.get_text() for td in html.select("table.row-errors td.nowrap")]
    assert listed == [f"第 {i + 2} 行" for i in BAD]
    assert "行业领域" in html.select_one("table.row-errors").get_text()  # type: ignore[union-attr]
    assert html.select_one("a[href^='/transfer/errors/']") is not None
    # While it ran, its page showed a progress bar that refreshes itself, in Chinese.
    running = [t for t in progress_seen if "已处理" in t]
    assert running, "the progress page was never seen while the import ran"
    bar = soup(running[-1]).select_one("progress.import-progress")
    assert bar is not None
    assert int(str(bar["max"])) == ROWS
    assert 'http-equiv="refresh"' in running[-1]
    with factory() as session:
        job = session.scalars(select(ImportJob)).one()
        assert (job.status, job.done, job.total) == ("done", ROWS, ROWS)
