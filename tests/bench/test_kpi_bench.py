"""`matchmaking bench kpi` at a small size: it runs, and its JSON has what the docs quote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bench.test_bench import ROOT, run


def test_kpi_bench_at_a_small_size(tmp_path: Path) -> None:
    result = run(
        "kpi", "--contracts", "300", "--payments", "900", "--towns", "3", "--months", "14",
        "--repeats", "2", tmp=tmp_path,
    )  # fmt: skip
    assert result["contracts"] == 300
    assert result["database"] == "sqlite"
    assert {"summary", "ranking", "funnel", "quality"} <= set(result["endpoints"])
    for times in result["endpoints"].values():
        assert 0 < times["p50_ms"] <= times["p95_ms"]
        assert times["cold_ms"] > 0
    assert result["summary_after_write_ms"] > 0
    assert result["report_docx_s"] > 0
    assert result["report_docx_cold_s"] > 0
    assert result["report_docx_bytes"] > 10_000


def test_kpi_bench_explains_itself() -> None:
    proc = subprocess.run([sys.executable, "-m", "cli", "bench", "kpi", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0
    assert "--database-url" in proc.stdout
    assert "--contracts" in proc.stdout
