"""Both benchmark commands run on a tiny input and end with well-formed JSON (not their speed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from embeddings.encoders import Encoder
from matchmaking.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PAPERS = [
    (
        "燃料电池金属双极板涂层研究",
        "研究了燃料电池金属双极板表面碳基涂层的制备工艺与耐腐蚀性能，接触电阻显著降低。",
        "燃料电池_双极板_涂层",
        "材料科学与工程",
    ),
    (
        "船舶压载水紫外处理",
        "针对船舶压载水中的微生物，提出中压紫外与过滤组合的处理方法，满足排放标准。",
        "压载水_紫外_船舶",
        "船舶与海洋工程",
    ),
    (
        "装配式建筑节点抗震性能",
        "通过拟静力试验研究了装配式混凝土框架节点的抗震性能与破坏模式。",
        "装配式建筑_节点_抗震",
        "土木工程",
    ),
    (
        "家纺面料抗菌整理",
        "采用壳聚糖对棉织物进行抗菌整理，研究了整理工艺对抑菌率与耐洗性的影响。",
        "家纺_抗菌_整理",
        "纺织科学与工程",
    ),
    (
        "锂电池隔膜陶瓷涂覆",
        "在聚乙烯隔膜表面涂覆勃姆石陶瓷层，提高了隔膜的耐热收缩性能。",
        "隔膜_锂电池_涂覆",
        "材料科学与工程",
    ),
]


def run(*args: str, tmp: Path) -> dict:
    env = {**os.environ, "MATCHMAKING_DATA_DIR": str(tmp / "var"), "MATCHMAKING_MODE": "embedded"}
    env.pop("MATCHMAKING_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "cli", "bench", *args, "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_quality_bench_on_a_tiny_csl_folder(tmp_path: Path) -> None:
    csl = tmp_path / "csl"
    csl.mkdir()
    (csl / "ts_tiny.tsv").write_text("".join(f"to title\t{a}\t{t}\n" for t, a, _, _ in PAPERS))
    (csl / "kg_tiny.tsv").write_text(
        "".join(f"to keywords\t{a} {t}\t{k}\n" for t, a, k, _ in PAPERS)
    )
    (csl / "cls_dcp_tiny.tsv").write_text(
        "".join(f"to discipline\t{a}\t{d}\n" for _, a, _, d in PAPERS)
    )
    result = run("quality", "--csl", str(csl), "--nonsense", "12", tmp=tmp_path)
    assert result["corpus"] == len(PAPERS)
    assert result["served"] in result["methods"]
    assert {"lexical", "dense", "rrf"} <= set(result["methods"])
    for tasks in result["methods"].values():
        for task in ("title", "keywords"):
            assert set(tasks[task]) >= {
                "mrr10",
                "r1",
                "r10",
                "dp10",
                "p50_ms",
                "p95_ms",
                "ece",
                "kept",
                "nonsense_rejected",
            }
            assert 0.0 <= tasks[task]["mrr10"] <= 1.0
    # Five distinct papers: every title finds its own abstract first.
    assert result["methods"][result["served"]]["title"]["r1"] == 1.0


@pytest.mark.parametrize(
    "client",
    [
        "python",
        pytest.param(
            "wrk",
            marks=pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed"),
        ),
    ],
)
def test_perf_bench_on_a_tiny_corpus(tmp_path: Path, client: str) -> None:
    # A request count, not a time window: on a busy machine a 1-second window once
    # completed no request at all.
    # Few queries and one server process: this checks the command and its output.
    result = run("perf", "--n", "120", "--http-requests", "20", "--ingest-docs", "2",
                 "--queries", "10", "--http-workers", "1",
                 "--http-client", client, tmp=tmp_path)  # fmt: skip
    assert result["http_client"] == ("wrk" if client == "wrk" else "python threads")
    per_n = result["120"]
    assert set(per_n) >= {
        "build_s",
        "recommend_p50_ms",
        "recommend_p95_ms",
        "recommend_p99_ms",
        "search_p95_ms",
        "rss_mb",
        "recall10",
        "exact_floor_ms",
        "cpu_ms_per_request",
        "bytes_per_item",
    }
    assert per_n["recall10"] == 1.0  # exact index at this size
    assert per_n["exact_floor_ms"] >= 0
    assert per_n["cpu_ms_per_request"] > 0
    assert per_n["bytes_per_item"] > 0
    assert per_n["bytes_per_item"] == pytest.approx(
        sum(per_n["bytes_per_item_by_structure"].values()),
        abs=len(per_n["bytes_per_item_by_structure"]),
    )
    assert {"vectors", "token_ids", "bm25_matrix"} <= set(per_n["bytes_per_item_by_structure"])
    assert set(result) >= {"ingest_ratio", "http_rps", "http_p95_ms"}
    assert result["http_errors"] == 0
    assert result["http_requests"] >= 20
    assert result["http_rps"] > 0
    # The ratios of the same run: HTTP against the ceiling the in-process CPU sets.
    assert result["cores"] >= 1
    assert result["ceiling_rps"] == pytest.approx(
        result["cores"] * 1000 / per_n["cpu_ms_per_request"], rel=0.01
    )
    assert result["http_ratio_to_ceiling"] == pytest.approx(
        result["http_rps"] / result["ceiling_rps"], abs=0.002
    )
    if result["http_cpu_ms_per_request"] is not None:  # None: no CPU tick was counted
        assert result["http_cpu_ratio"] == pytest.approx(
            result["http_cpu_ms_per_request"] / per_n["cpu_ms_per_request"], abs=0.01
        )
    assert result["http_p95_ratio"] == pytest.approx(
        result["http_p95_ms"] / per_n["recommend_p95_ms"], abs=0.01
    )


def test_perf_json_shape_without_http_in_process(tmp_path: Path, encoder: Encoder) -> None:
    """The lean check of the ratio keys: a tiny corpus in this process, no server."""
    from matchmaking.bench import perf

    settings = Settings().model_copy(update={"data_dir": tmp_path / "var"})
    result = perf.run([60], encoder, settings, http_seconds=0, ingest_docs=0, queries=3)
    json.dumps(result)  # the command prints it as JSON
    per_n = result["60"]
    assert {"exact_floor_ms", "cpu_ms_per_request", "bytes_per_item", "recall10"} <= set(per_n)
    assert per_n["indexed_items"] == 66  # 60 achievements and 6 needs
    assert per_n["bytes_per_item"] > 0
    assert result["cores"] >= 1
    assert result["ceiling_rps"] > 0
    # No HTTP part: its ratios are there, empty, not made up.
    assert result["http_ratio_to_ceiling"] is None
    assert result["http_p95_ratio"] is None
    assert result["http_cpu_ratio"] is None
    assert "N=60" in perf.table(result)


def test_perf_reuses_the_corpus_a_run_left_in_its_workdir(tmp_path: Path, encoder: Encoder) -> None:
    """A million items take half an hour to index: a second run on the same --workdir
    measures the same corpus again instead of generating and indexing it."""
    from matchmaking.bench import perf

    settings = Settings().model_copy(update={"data_dir": tmp_path / "var"})
    work = tmp_path / "work"
    first = perf.run([60], encoder, settings, http_seconds=0, ingest_docs=0, queries=3,
                     workdir=work)  # fmt: skip
    assert first["60"]["build_s"] is not None
    assert first["60"]["load_s"] is None
    # The corpus stayed, with the snapshots the run's index manager wrote
    assert (work / "perf-60.sqlite3").exists()
    again = perf.run([60], encoder, settings, http_seconds=0, ingest_docs=0, queries=3,
                     workdir=work)  # fmt: skip
    assert again["60"]["build_s"] is None
    assert again["60"]["load_s"] is not None
    assert again["60"]["indexed_items"] == 66  # the same 60 achievements and 6 needs
    assert again["60"]["recall10"] == 1.0
    assert "load_s=" in perf.table(again)
    # A corpus of another size there is not mistaken for this one: a new one is made
    other = perf.run([30], encoder, settings, http_seconds=0, ingest_docs=0, queries=3,
                     workdir=work)  # fmt: skip
    assert other["30"]["build_s"] is not None
    # A corpus cut short (a run killed while writing rows) is refused, with what to do
    (work / "var-60" / "indexes" / "needs" / "manifest.json").unlink()
    with pytest.raises(ValueError, match="不完整"):
        perf.run([60], encoder, settings, http_seconds=0, ingest_docs=0, queries=3, workdir=work)
