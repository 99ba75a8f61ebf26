"""Several web processes: uvicorn's supervisor waits the configured time for a process
that is loading its indexes, and the numeric libraries' threads can be capped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli import serve
from matchmaking.config import Settings


def _captured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    return calls


def test_several_processes_get_the_configured_health_check_wait(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _captured(monkeypatch)
    settings = Settings(data_dir=tmp_path, web_healthcheck_seconds=900)
    serve._serve(settings, "127.0.0.1", 8123, worker=False, workers=2)
    assert calls[0]["workers"] == 2
    assert calls[0]["timeout_worker_healthcheck"] == 900


def test_one_process_has_no_supervisor_to_configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _captured(monkeypatch)
    serve._serve(Settings(data_dir=tmp_path), "127.0.0.1", 8123, worker=False, workers=1)
    assert "timeout_worker_healthcheck" not in calls[0]


def test_compute_threads_cap_faiss_and_blas() -> None:
    import faiss
    from threadpoolctl import threadpool_info, threadpool_limits

    from matchmaking.matching.runtime import limit_compute_threads

    before = faiss.omp_get_max_threads()
    original = threadpool_limits(limits=None)  # records the limits to restore
    try:
        limit_compute_threads(1)
        assert faiss.omp_get_max_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        faiss.omp_set_num_threads(before)
        original.restore_original_limits()
