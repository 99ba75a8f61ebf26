"""Load held during a large import: the embedded platform as shipped (``serve``, with
its worker child, on SQLite), an enterprise user importing N generated needs through
the pages (upload → confirm → the job's page until it is done), and meanwhile C
clients reading the recommendation API and a need page for S seconds.

Reported: requests, errors (anything but 200, or no answer), p50/p95 latency, the
import's duration and how far it had got when the load ended. The corpus the
recommendations come from is made as ``bench perf`` makes it (demo texts recombined,
clustered random unit vectors), so that setting up takes seconds, not minutes.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from embeddings.encoders import Encoder
from matchmaking.bench import percentile
from matchmaking.bench.perf import Texts, _free_port, populate
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.migrate import upgrade
from matchmaking.models import Need, Organization

Progress = Callable[[str, int, int], None]
USERNAME = "bench_importer"
POLL_S = 1.0
READY_TIMEOUT_S = 600.0


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    by_target: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


def seed(url: str, corpus: int, encoder: Encoder, password: str) -> tuple[list[int], str]:
    """The corpus (``bench perf``'s), an enterprise user; returns need ids and its org name."""
    from matchmaking.accounts import service as accounts
    from matchmaking.accounts.schemas import UserCreate
    from matchmaking.enums import Role

    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    populate(factory, corpus, encoder.dim, encoder.model_id, seed=corpus, progress=None)
    with factory() as session:
        org = session.scalars(
            select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)
        ).first()
        assert org is not None
        accounts.create_user(
            session,
            UserCreate(username=USERNAME, password=password, role=Role.ENTERPRISE, org_id=org.id),
        )
        session.commit()
        need_ids = list(session.scalars(select(Need.id)))
        name = org.name
    engine.dispose()
    return need_ids, name


def needs_csv(rows: int, seed_value: int = 7) -> bytes:
    """N valid needs (the user's own organization's: no 单位 column), demo-like texts."""
    texts = Texts(random.Random(seed_value))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["需求名称", "需求描述", "行业领域", "合作方式"])
    for i in range(rows):
        need = texts.need(i)
        title = f"压测导入需求{i}：{need['title']}"[:100]
        writer.writerow([title, need["description"], need["industry_field"],
                         need["cooperation_mode"]])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _wait_serving(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/status", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"matchmaking serve exited with {server.returncode}")
        time.sleep(0.5)
    raise RuntimeError("matchmaking serve did not answer in time")


def _csrf(http: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', http.get(path).text)
    if not found:
        raise RuntimeError(f"no CSRF token on {path}")
    return found.group(1)


def _login(http: httpx.Client, password: str) -> str:
    token = _csrf(http, "/login")
    sent = http.post(
        "/login", data={"username": USERNAME, "password": password, "csrf_token": token}
    )
    if sent.status_code != 303:
        raise RuntimeError(f"login failed: {sent.status_code}")
    return _csrf(http, "/transfer")


@dataclass
class ImportRun:
    started: float = 0.0
    finished: float = 0.0
    status: str = ""
    done: int = 0
    total: int = 0
    error: str = ""
    progress: list[tuple[float, int]] = field(default_factory=list)


def _import(base: str, password: str, data: bytes, run: ImportRun, stop: threading.Event) -> None:
    """Upload, confirm, then follow the job's page (as the user's browser does)."""
    try:
        with httpx.Client(base_url=base, timeout=300, follow_redirects=False) as http:
            csrf = _login(http, password)
            sent = http.post(
                "/transfer/upload/needs",
                data={"csrf_token": csrf},
                files={"file": ("压测需求.csv", data, "text/csv")},
            )
            if sent.status_code != 303:
                raise RuntimeError(f"upload answered {sent.status_code}")
            token = sent.headers["location"].rsplit("/", 1)[1]
            run.started = time.monotonic()
            started = http.post(f"/transfer/import/{token}", data={"csrf_token": csrf})
            if started.status_code != 303:
                raise RuntimeError(f"import answered {started.status_code}")
            job = started.headers["location"]
            while not stop.is_set():
                page = http.get(job)
                if page.status_code != 200:
                    raise RuntimeError(f"job page answered {page.status_code}")
                bar = re.search(r'value="(\d+)" max="(\d+)"', page.text)
                if bar is None:  # the result page
                    run.finished = time.monotonic()
                    run.status = "导入中断" if "导入中断" in page.text else "done"
                    created = re.search(r'class="created">(\d+)<', page.text)
                    run.done = int(created.group(1)) if created else 0
                    return
                run.done, run.total = int(bar.group(1)), int(bar.group(2))
                run.progress.append((time.monotonic() - run.started, run.done))
                time.sleep(POLL_S)
    except Exception as exc:  # reported in the result, never hidden
        run.error = f"{type(exc).__name__}: {exc}"


def _client(base: str, need_ids: list[int], stop_at: float, seed_value: int, load: Load,
            lock: threading.Lock) -> None:  # fmt: skip
    rng = random.Random(seed_value)
    with httpx.Client(base_url=base, timeout=60) as http:
        n = 0
        while time.monotonic() < stop_at:
            need = rng.choice(need_ids)
            target = "api" if n % 2 == 0 else "page"
            path = (
                f"/api/v1/needs/{need}/recommendations?limit=10"
                if target == "api"
                else f"/needs/{need}"
            )
            n += 1
            t = time.perf_counter()
            try:
                ok = http.get(path).status_code
            except httpx.HTTPError as exc:
                ok = 0
                sample = f"{path}: {type(exc).__name__}"
            else:
                sample = f"{path}: {ok}"
            ms = (time.perf_counter() - t) * 1000
            with lock:
                load.latencies.append(ms)
                load.by_target[target] = load.by_target.get(target, 0) + 1
                if ok != 200:
                    load.errors += 1
                    if len(load.error_samples) < 10:
                        load.error_samples.append(sample)


def run(
    encoder: Encoder,
    *,
    rows: int = 10_000,
    clients: int = 16,
    seconds: float = 60.0,
    corpus: int = 10_000,
    serve_command: list[str],
    wait_for_import: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    say = log or (lambda _m: None)
    password = secrets.token_urlsafe(16)
    # The worker child may write its beat schedule while it stops: never fail on that.
    with tempfile.TemporaryDirectory(prefix="mm-load-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'var' / 'matchmaking.sqlite3'}"
        (work / "var").mkdir()
        say(f"语料：{corpus} 条科技成果、{max(corpus // 10, 1)} 条需求（随机聚类向量）")
        need_ids, _org = seed(url, corpus, encoder, password)
        data = needs_csv(rows)
        port = _free_port()
        env = {**os.environ, "MATCHMAKING_DATA_DIR": str(work / "var"),
               "MATCHMAKING_MODE": "embedded", "MATCHMAKING_LOG_LEVEL": "WARNING"}  # fmt: skip
        env.pop("MATCHMAKING_DATABASE_URL", None)
        server = subprocess.Popen(
            [*serve_command, "--port", str(port), "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_serving(base, server)
            say(f"平台已启动（{base}，含后台任务进程）；导入 {rows} 行，{clients} 个客户端压测")
            load, imp = Load(), ImportRun()
            lock, stop_import = threading.Lock(), threading.Event()
            importer = threading.Thread(target=_import, args=(base, password, data, imp,
                                                              stop_import))  # fmt: skip
            importer.start()
            while not imp.started and importer.is_alive():
                time.sleep(0.05)
            load_started = time.monotonic()
            stop_at = load_started + seconds
            threads = [
                threading.Thread(target=_client, args=(base, need_ids, stop_at, i, load, lock))
                for i in range(clients)
            ]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            elapsed = time.monotonic() - load_started
            done_at_load_end, total = imp.done, imp.total or rows
            if not wait_for_import:
                stop_import.set()
            importer.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=120)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    import_s = round(imp.finished - imp.started, 1) if imp.finished else None
    return {
        "rows": rows,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "corpus_achievements": corpus,
        "requests": len(load.latencies),
        "errors": load.errors,
        "error_samples": load.error_samples,
        "rps": round(len(load.latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(load.latencies, 0.5), 1),
        "p95_ms": round(percentile(load.latencies, 0.95), 1),
        "requests_api": load.by_target.get("api", 0),
        "requests_page": load.by_target.get("page", 0),
        "import_status": imp.status or ("error" if imp.error else "unfinished"),
        "import_error": imp.error,
        "import_s": import_s,
        "import_rows_kept": imp.done if imp.finished else None,
        "import_rows_done_when_load_ended": min(done_at_load_end, total),
        "import_overlapped_whole_load": bool(imp.finished == 0 or imp.finished >= stop_at),
    }


def table(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"导入 {result['rows']} 行：{result['import_status']}，用时 {result['import_s']} 秒，"
            f"保留 {result['import_rows_kept']} 行"
            + (f"（{result['import_error']}）" if result["import_error"] else ""),
            f"{result['clients']} 个客户端 {result['seconds']} 秒：请求 {result['requests']}"
            f"（推荐接口 {result['requests_api']}，需求页面 {result['requests_page']}），"
            f"错误 {result['errors']}，p50 {result['p50_ms']} ms，p95 {result['p95_ms']} ms，"
            f"{result['rps']} 次/秒",
            f"压测结束时导入已处理 {result['import_rows_done_when_load_ended']} 行",
        ]
    )
