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
