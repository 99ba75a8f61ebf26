"""Defect 7: ``matchmaking import`` while another process writes to the SQLite file.

Before, the whole file was one transaction that read first and wrote later: when the
worker committed in between, SQLite refused the write at once ("database is locked"),
the command died with a raw traceback and kept none of the rows. Now it commits in
chunks, each taking the write lock before it reads and waiting its turn (retried with
backoff); if the lock never comes free, it says in Chinese what it kept.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from matchmaking.db import make_engine, make_sessionmaker, session_scope
from matchmaking.towns import service as towns
from tests.factories import make_org
from tests.support.processes import ROOT
from tests.test_cli import mm

ROWS = 450  # three chunks of 200


def _registered(data: Path) -> Path:
    """A migrated database with the enterprise the rows name, and the file of needs."""
    mm("migrate", data_dir=data)
    engine = make_engine(f"sqlite:///{data / 'matchmaking.sqlite3'}")
    with session_scope(make_sessionmaker(engine)) as session:
        towns.seed(session)
        make_org(session, name="海门精密制造有限公司", kind="enterprise")
    engine.dispose()
    csv = data.parent / "needs.csv"
    lines = ["单位,需求名称,需求描述,行业领域,合作方式"]
    for i in range(ROWS):
        lines.append(
            f"海门精密制造有限公司,双极板涂层需求（{i}）,"
            f"不锈钢双极板在酸性湿热环境下腐蚀严重，需要导电防护涂层（批次 {i}）。,"
            "hydrogen_storage,合作开发"
        )
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv


def _needs(data: Path) -> int:
    with sqlite3.connect(data / "matchmaking.sqlite3", timeout=60) as conn:
        return int(conn.execute("SELECT count(*) FROM needs").fetchone()[0])


def _start_import(csv: Path, data: Path, **env: str) -> subprocess.Popen[str]:
    import os
    import sys

    full = {**os.environ, "MATCHMAKING_DATA_DIR": str(data), "MATCHMAKING_MODE": "embedded",
            **env}  # fmt: skip
    full.pop("MATCHMAKING_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "import", "needs", str(csv)],
        cwd=ROOT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_import_while_another_process_keeps_writing_keeps_every_row(tmp_path: Path) -> None:
    data = tmp_path / "var"
    csv = _registered(data)
    stop = threading.Event()
    commits = 0

    def busy_worker() -> None:
        """Like the worker storing vectors: short writes, one after another."""
        nonlocal commits
        conn = sqlite3.connect(data / "matchmaking.sqlite3", timeout=60, isolation_level=None)
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE organizations SET contact_name = contact_name")
            time.sleep(0.5)  # holding the lock
            conn.execute("COMMIT")
            commits += 1
            time.sleep(0.2)
        conn.close()

    writer = threading.Thread(target=busy_worker)
    writer.start()
    try:
        proc = _start_import(csv, data)
        out, err = proc.communicate(timeout=600)
    finally:
        stop.set()
        writer.join()

    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode == 0, err[-2000:]
    assert f"新增 {ROWS}" in out
    assert _needs(data) == ROWS
    assert commits > 0


def test_import_on_a_database_locked_for_good_says_what_it_kept(tmp_path: Path) -> None:
    data = tmp_path / "var"
    csv = _registered(data)
    release = threading.Event()
    holding = threading.Event()

    def hold_the_lock() -> None:
        """Another process takes the write lock (as soon as it can) and keeps it."""
        conn = sqlite3.connect(data / "matchmaking.sqlite3", timeout=120, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(300)
        conn.execute("ROLLBACK")
        conn.close()

    # The command waits a short while for the lock (then its retries), not 30 s.
    proc = _start_import(csv, data, MATCHMAKING_SQLITE_BUSY_TIMEOUT_MS="200")
    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        release.set()
        holder.join()

    assert holding.is_set()
    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode == 2
    assert "行处停止" in err
    assert "请稍后重新运行同一命令" in err
    # What it says it kept is what the database holds.
    kept = _needs(data)
    assert f"之前的 {kept} 行：新增 {kept}" in err
