"""Start, wait for and stop the real processes the end-to-end tests run.

Shared by tests/workers (a Celery worker, ``matchmaking serve``) and
tests/browser (``matchmaking demo`` for Chromium).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Run ``cmd`` from the repository root in its own process group, output to ``log``."""
    out = log.open("wb")
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the leader only (it stops its own children), then clear its group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything of the group still there
    except ProcessLookupError:
        pass
    proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_tail(log: Path, lines: int = 40) -> str:
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def wait_for_http(
    proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float, what: str
) -> None:
    """Wait until ``url`` answers 200; fail at once, with the log's tail, if ``proc`` exits."""

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(
                f"{what} exited with code {proc.returncode} before answering {url}; "
                f"last lines of {log}:\n{log_tail(log)}"
            )
        try:
            return httpx.get(url, timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(up, timeout, what)
    except AssertionError as exc:
        if proc.poll() is None:
            raise AssertionError(f"{exc}; last lines of {log}:\n{log_tail(log)}") from None
        raise
