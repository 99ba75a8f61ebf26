"""Defect 9: a worker killed by the kernel (SIGKILL, as the OOM killer does) is restarted
by `matchmaking serve`, nothing of it is left running, and status shows the worker alive
again. Before the fix it stayed dead, its beat process ran on as an orphan, and status
said nothing about the worker.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import free_port, log_tail, start, stop, wait_until

pytestmark = pytest.mark.e2e


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (zombies waiting to be reaped do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def test_serve_restarts_a_killed_worker_and_leaves_no_orphans(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        "MATCHMAKING_MODE": "embedded",
        "MATCHMAKING_DATA_DIR": str(tmp_path / "var"),
        "MATCHMAKING_WORKER_HEARTBEAT_SECONDS": "1",
    }
    server = start([sys.executable, "-m", "cli", "serve", "--port", str(port)], env, log)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    status: dict[str, Any] = {}

    def alive_worker(other_than: int | None = None) -> int | None:
        """The pid of a worker status reports alive (and not ``other_than``)."""
        nonlocal status
        assert server.poll() is None, log_tail(log)
        try:
            status = http.get("/api/v1/status").json()
        except httpx.TransportError:
            return None
        pids = [w["pid"] for w in status["worker"]["workers"] if w["alive"]]
        return next((p for p in pids if p != other_than), None)

    try:
        # Given serve running with its worker, which status reports alive
        wait_until(lambda: alive_worker() is not None, 120, "serve and its worker's heartbeat")
        first = alive_worker()
        assert first is not None
        assert status["status"] == "ok", status
        assert status["pending"] == {"count": 0, "oldest_since": None, "oldest_age_seconds": None}
        # (its beat and pool processes run in the worker's process group)
        assert len(group_members(first)) >= 2

        # When the kernel kills the worker
        os.kill(first, signal.SIGKILL)

        # Then serve starts a new one, and status reports it alive
        wait_until(lambda: alive_worker(other_than=first) is not None, 60, "a restarted worker")
        # And nothing of the killed worker is left (its beat process was orphaned before)
        wait_until(lambda: not group_members(first), 10, "the killed worker's children to go")
        assert "SIGKILL" in log.read_text(errors="replace")
        second = alive_worker(other_than=first)
        assert second is not None

        # When serve stops, no worker or beat process outlives it
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        wait_until(
            lambda: not group_members(second) and not group_members(server.pid),
            10,
            "every process of serve to end",
        )
    finally:
        http.close()
        stop(server)


def test_supervisor_backs_off_and_clears_the_dead_childs_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.serve import WorkerSupervisor

    # A child that leaves a process of its own behind (as the worker leaves its beat),
    # then dies at once, every time.
    marker = tmp_path / "orphans"
    command = ["sh", "-c", f'sleep 300 & echo $! >> "{marker}"; exit 3']
    supervisor = WorkerSupervisor(command, first_delay=0.05, max_delay=0.2, stable_after=60)
    supervisor.start()
    try:
        wait_until(lambda: supervisor.restarts >= 5, 30, "five restarts")
    finally:
        supervisor.stop()
    err = capsys.readouterr().err
    # Each restart is logged with why and when; the pause doubles up to its cap.
    assert "退出码 3" in err
    delays = [line.split("，")[1].split(" 秒后")[0] for line in err.splitlines() if "重启" in line]
    assert delays[:5] == ["0.05", "0.1", "0.2", "0.2", "0.2"]
    # And nothing the dead children left behind survives
    left = [int(pid) for pid in marker.read_text().split()]
    assert len(left) >= 5
    wait_until(lambda: not any(_alive(p) for p in left), 10, "orphans")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
