"""`matchmaking bench visits --size S --json` runs and ends with the figures the issue lists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from matchmaking.visits.assignment import from_json, solution_from_json, validate
from matchmaking.visits.assignment.generate import sized

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "stage1_s",
    "stage2_s",
    "staffed_share",
    "total_score",
    "optimum",
    "optimum_ratio",
    "min_visit_score",
    "load_spread",
    "conflict_violations",
    "scheduled_share",
}


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", "bench", "visits", *args],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_bench_visits_size_s_prints_the_figures_and_writes_a_valid_solution(
    tmp_path: Path,
) -> None:
    out = tmp_path / "solution.json"
    proc = bench("--size", "S", "--json", "--out", str(out), "--time-limit", "5")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result) == KEYS | {"greedy"}
    assert set(result["greedy"]) == KEYS
    assert result["conflict_violations"] == 0 == result["greedy"]["conflict_violations"]
    assert 0.0 <= result["staffed_share"] <= 1.0
    assert 0.0 < result["optimum_ratio"] <= 1.0 + 1e-9
    assert "配齐比例" in proc.stdout
    solution = solution_from_json(json.loads(out.read_text(encoding="utf-8")))
    assert validate(sized("S"), solution) == []


def test_bench_visits_reads_an_instance_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({
        "format": "visits/1", "half_days": [],
        "visits": [{"id": "v1", "town": "正余镇", "experts_needed": 1, "windows": [], "needs_senior": False}],
        "experts": [{"id": "e1", "min": 0, "max": 5, "senior": True, "town": "海门街道", "available": []}],
        "affinity": [{"visit": "v1", "expert": "e1", "score": 0.72}],
        "conflicts": [],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    proc = bench("--instance", str(good), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["total_score"] == 0.72
    assert result["scheduled_share"] is None
    from_json(json.loads(good.read_text(encoding="utf-8")))

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "visits/1", "visits": [{"id": "v1"}]}', encoding="utf-8")
    proc = bench("--instance", str(bad), "--json")
    assert proc.returncode != 0
    assert "town" in proc.stderr


def test_bench_visits_explains_itself_in_chinese() -> None:
    proc = bench("--help")
    assert proc.returncode == 0
    assert "Usage" in proc.stdout
    assert "专家巡诊" in proc.stdout
