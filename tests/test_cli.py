"""The ``matchmaking`` command line, run as a user runs it (a real process, SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaking.db import make_engine, make_sessionmaker, session_scope
from tests.factories import make_org

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["serve", "worker", "beat", "demo", "import", "reindex", "status", "migrate",
            "user create", "bench quality", "bench perf", "bench load", "bench visits",
            "bench schedule"]  # fmt: skip


def mm(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MATCHMAKING_DATA_DIR": str(data_dir), "MATCHMAKING_MODE": "embedded"}
    env.pop("MATCHMAKING_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    out = mm(*command.split(), "--help", data_dir=tmp_path).stdout
    assert "Usage" in out
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out)  # explained in Chinese


def test_import_reindex_status(tmp_path: Path) -> None:
    data = tmp_path / "var"
    # Organizations are registered first (here straight into the database); the CLI
    # imports needs, achievements and experts.
    mm("migrate", data_dir=data)
    engine = make_engine(f"sqlite:///{data / 'matchmaking.sqlite3'}")
    with session_scope(make_sessionmaker(engine)) as session:
        make_org(session, name="同济大学", kind="university")
    engine.dispose()
    csv = tmp_path / "ach.csv"
    csv.write_text(
        "单位,成果名称,成果简介,行业领域,成熟度,合作方式\n"
        "同济大学,双极板碳基涂层,燃料电池金属双极板碳基复合导电涂层技术。,hydrogen_storage,中试,技术许可\n"
        "同济大学,坏行,太短,hydrogen_storage,中试,技术许可\n"
        "未知大学,另一成果,一种新型的涂层制备方法及其应用。,hydrogen_storage,中试,技术许可\n",
        encoding="utf-8",
    )
    result = mm("import", "achievements", str(csv), "--embed-now", data_dir=data, check=False)
    assert result.returncode == 1  # some rows failed
    assert "新增 1" in result.stdout
    assert "第 3 行" in result.stderr
    assert "第 4 行" in result.stderr
    assert "未知大学" in result.stderr

    status = json.loads(mm("status", "--json", data_dir=data).stdout)
    ach = status["items"]["achievements"]
    assert ach["items"] == 1
    assert ach["vectors_current"] == 1  # --embed-now computed it in the process
    assert status["indexes"]["achievements"]["ok"] is False  # no snapshot yet

    reindex = mm("reindex", data_dir=data)
    assert "计算向量 0 条" in reindex.stdout  # nothing stale: --embed-now did it
    assert "achievements: 向量 1" in reindex.stdout
    forced = mm("reindex", "--force", "--kind", "achievements", data_dir=data)
    assert "计算向量 1 条" in forced.stdout
    status = json.loads(mm("status", "--json", data_dir=data).stdout)
    assert status["indexes"]["achievements"]["ok"] is True
    assert status["indexes"]["achievements"]["count"] == 1
    assert status["indexes"]["achievements"]["behind_by"] == 0


def test_import_of_a_file_that_is_not_a_table(tmp_path: Path) -> None:
    fake = tmp_path / "needs.xlsx"
    fake.write_bytes(b"%PDF-1.7")
    result = mm("import", "needs", str(fake), data_dir=tmp_path / "var", check=False)
    assert result.returncode == 1
    assert "不是 Excel" in result.stderr


def test_production_mode_without_settings_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "MATCHMAKING_MODE": "production", "MATCHMAKING_DATA_DIR": str(tmp_path)}
    for key in ("MATCHMAKING_DATABASE_URL", "MATCHMAKING_BROKER_URL", "MATCHMAKING_SECRET_KEY"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "status"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "MATCHMAKING_DATABASE_URL" in proc.stderr


def test_links_in_emails_lead_to_the_port_the_platform_runs_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``matchmaking demo --port 8123``: the worker it starts writes links to :8123, not
    to the default :8000; an address the operator set (behind a proxy) is kept."""
    from cli.serve import link_to_this_server
    from matchmaking.config import Settings, get_settings
    from matchmaking.outbound import tokens

    monkeypatch.delenv("MATCHMAKING_PUBLIC_URL", raising=False)
    get_settings.cache_clear()
    try:
        chosen = link_to_this_server(Settings(data_dir=tmp_path), "0.0.0.0", 8123)
        assert chosen.public_url == "http://127.0.0.1:8123"
        assert tokens.absolute("/dockings/7") == "http://127.0.0.1:8123/dockings/7"

        monkeypatch.setenv("MATCHMAKING_PUBLIC_URL", "https://kj.haimen.example")
        get_settings.cache_clear()
        kept = link_to_this_server(get_settings(), "0.0.0.0", 8123)
        assert kept.public_url == "https://kj.haimen.example"
        assert tokens.absolute("/dockings/7") == "https://kj.haimen.example/dockings/7"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
