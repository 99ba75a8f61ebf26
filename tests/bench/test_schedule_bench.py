"""`matchmaking bench schedule` on the S size and on a file: its JSON has exactly the issue's keys
and describes a valid schedule (not its speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from matchmaking.events.scheduler import Meeting, from_json, to_json, validate
from matchmaking.events.scheduler.generate import SIZES, generate

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "status", "first_feasible_s", "final_s", "objective", "bound", "gap", "placed",
    "requested_placed", "requested_feasible", "score_sum", "min_meetings", "mean_meetings",
    "below_min", "idle_per_person",
}  # fmt: skip


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", "bench", "schedule", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip


def plain(text: str) -> str:
    """An error box's text without its frame and line breaks."""
    return "".join(ch for ch in text if ch not in "│╭╮╰╯─ \n")


def test_bench_schedule_size_s_reports_both_solvers(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    proc = bench("--size", "S", "--seed", "3", "--time-limit", "2", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(report) == KEYS | {"greedy", "repair_moved_share"}
    assert set(report["greedy"]) == KEYS
    assert report["status"] in ("optimal", "feasible")
    assert report["objective"] <= report["bound"] + 1e-6
    assert report["greedy"]["objective"] <= report["bound"] + 1e-6
    assert report["requested_placed"] <= report["requested_feasible"]
    assert 0.0 <= report["repair_moved_share"] <= 1.0
    assert "贪心基线" in proc.stdout
    # The written solution is the format and a valid schedule of the same instance.
    solution = json.loads(out.read_text(encoding="utf-8"))
    meetings = [Meeting(**m) for m in solution["meetings"]]
    assert len(meetings) == report["placed"]
    assert validate(generate(SIZES["S"], 3), meetings) == []


def test_bench_schedule_reads_an_instance_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(to_json(generate(SIZES["S"], 5))), encoding="utf-8")
    assert from_json(json.loads(path.read_text(encoding="utf-8"))) == generate(SIZES["S"], 5)
    proc = bench("--instance", str(path), "--time-limit", "1", "--no-repair", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "repair_moved_share" not in report
    assert report["placed"] > 0


def test_bench_schedule_refuses_a_malformed_file_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "schedule/1", "slots": "s1"}), encoding="utf-8")
    proc = bench("--instance", str(path))
    assert proc.returncode != 0
    assert "“slots”应为列表" in plain(proc.stderr)
    proc = bench("--size", "S", "--instance", str(path))
    assert proc.returncode != 0
    assert "请给出--instance文件或--sizeS|M|L之一" in plain(proc.stderr)
