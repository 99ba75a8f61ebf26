"""Matching quality on real Chinese papers (the CSL layout), through the real pipeline.

Every distinct abstract becomes an achievement row in a scratch database, gets
its vector through ``embed_items`` (cached by model id and text hash), and is
indexed by the same ``IndexManager``. Queries go through
``matching.service.search``, the code behind ``GET /api/v1/search``; the
methods differ only in the ``fusion`` setting.
"""

from __future__ import annotations

import csv
import random
import statistics
import string
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from embeddings.cache import VectorCache, cache_file
from embeddings.encoders import Encoder
from matchmaking.bench import percentile
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.enums import Kind
from matchmaking.exceptions import InvalidInput
from matchmaking.matching import embedding, relevance
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.migrate import upgrade
from matchmaking.models import Achievement, Organization

K = 10
NONSENSE = 300
Progress = Callable[[str, int, int], None]


@dataclass
class Paper:
    abstract: str
    title: str = ""
    keywords: str = ""
    discipline: str = ""


@dataclass
class Corpus:
    papers: list[Paper] = field(default_factory=list)


def _rows(folder: Path, pattern: str) -> Iterator[list[str]]:
    for path in sorted(folder.glob(pattern)):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) >= 3:
                    yield row


def load_csl(folder: Path) -> Corpus:
    """Read a folder with ``ts_*.tsv``, ``kg_*.tsv`` and ``cls_dcp_*.tsv`` (see its README)."""
    if not folder.is_dir():
        raise InvalidInput(f"找不到目录 {folder}")
    papers: dict[str, Paper] = {}
    for _, abstract, title in _rows(folder, "ts_*.tsv"):
        papers.setdefault(abstract, Paper(abstract)).title = title
    for _, abstract, discipline in _rows(folder, "cls_dcp_*.tsv"):
        papers.setdefault(abstract, Paper(abstract)).discipline = discipline
    for _, text, keywords in _rows(folder, "kg_*.tsv"):
        # Column 2 is the abstract, a space, then the title.
        abstract = _split_abstract(text, papers)
        papers.setdefault(abstract, Paper(abstract)).keywords = keywords.replace("_", " ")
    if not papers:
        raise InvalidInput(f"{folder} 中没有 ts_*.tsv、kg_*.tsv 或 cls_dcp_*.tsv 数据")
    return Corpus(list(papers.values()))


def _split_abstract(text: str, known: dict[str, Paper]) -> str:
    pos = len(text)
    while (pos := text.rfind(" ", 0, pos)) > 0:
        if text[:pos] in known:
            return text[:pos]
    return text


@dataclass
class Bench:
    settings: Settings
    factory: sessionmaker[Session]
    manager: IndexManager
    ids: dict[str, int]  # abstract -> achievement id


def build(corpus: Corpus, encoder: Encoder, settings: Settings, workdir: Path,
          progress: Progress | None = None) -> Bench:  # fmt: skip
    """Load the corpus as achievements, embed (with the cache) and index it."""
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    ids: dict[str, int] = {}
    with factory() as session:
        for n, paper in enumerate(corpus.papers):
            # One organization per paper (titles are unique per organization, and no
            # paper is ever excluded as "same organization"). No title and no field:
            # the text is the abstract alone, since the title is the query.
            org = Organization(name=f"论文{n + 1}", kind="university", district="")
            session.add(org)
            session.flush()
            row = Achievement(
                org_id=org.id, title="", abstract=paper.abstract, keywords="",
                industry_field="", maturity="lab", cooperation_mode="licensing",
            )  # fmt: skip
            session.add(row)
            session.flush()
            ids[paper.abstract] = row.id
        session.commit()
    cache = VectorCache(
        cache_file(settings.cache_dir, encoder.model_id), encoder.model_id, encoder.dim
    )
    all_ids = list(ids.values())
    step = 64
    for start in range(0, len(all_ids), step):
        with factory() as session:
            batch = all_ids[start : start + step]
            embedding.embed_items(session, encoder, Kind.ACHIEVEMENTS, batch, cache=cache)
            session.commit()
        if start // step % 4 == 3:
            cache.save()  # an interrupted first run keeps what it computed
        if progress:
            progress("向量", min(start + step, len(all_ids)), len(all_ids))
    cache.save()
    bench_settings = settings.model_copy(update={"data_dir": workdir})
    manager = IndexManager(bench_settings, factory, encoder, get_tokenizer())
    manager.rebuild(Kind.ACHIEVEMENTS, reason="benchmark")
    return Bench(bench_settings, factory, manager, ids)


# Out-of-domain phrases the nonsense queries are drawn from (with random characters and
# random Latin letters): nothing in a corpus of research abstracts should match them.
OFF_TOPIC = (
    "飞天猫咪披萨", "周末去哪里吃火锅", "足球比赛门票预订", "明天会下雨吗", "生日蛋糕怎么做",
    "宠物狗洗澡美容", "婚礼跟拍摄影套餐", "网红奶茶店排队", "小学生暑假作业答案",
    "电视剧大结局剧透",
    "how to bake sourdough bread", "cheap flights to paris", "best pizza near me",
    "football match tickets", "funny cat videos", "wedding dress rental",
)  # fmt: skip


def nonsense_queries(n: int, seed: int = 20261203) -> list[str]:
    """``n`` seeded queries no research abstract answers: random Chinese characters,
    random Latin letters, and out-of-domain phrases, a third each."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        if i % 3 == 0:
            out.append("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(4, 12))))
        elif i % 3 == 1:
            words = ("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
                     for _ in range(rng.randint(1, 4)))  # fmt: skip
            out.append(" ".join(words))
        else:
            a, b = rng.sample(OFF_TOPIC, 2)
            out.append(a if rng.random() < 0.5 else f"{a} {b}")
    return out


def ece(shown: list[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error of shown scores: the gap between the mean score and
    the share that is relevant, per tenth of the scale, weighted by its count."""
    if not shown:
        return 0.0
    total = 0.0
    for b in range(bins):
        inside = [(p, hit) for p, hit in shown if min(int(p * bins), bins - 1) == b]
        if inside:
            gap = statistics.fmean(p for p, _ in inside) - statistics.fmean(h for _, h in inside)
            total += len(inside) / len(shown) * abs(gap)
    return total


def evaluate(bench: Bench, corpus: Corpus, method: dict[str, Any],
             progress: Progress | None = None,
             papers: set[int] | None = None,
             nonsense: int = NONSENSE) -> dict[str, dict[str, float]]:  # fmt: skip
    """Run the title and keyword tasks with one fusion setting.

    Besides the ranking metrics: ``ece`` (calibration error of the relevance shown for
    the top 10 above the line, against "is the query's own abstract"), ``kept`` (the
    share of queries whose own abstract is shown above the line) and, per method,
    ``nonsense_rejected`` (the share of nonsense queries with nothing above the line)."""
    bench.manager.settings = bench.settings.model_copy(update=method)
    discipline = {bench.ids[p.abstract]: p.discipline for p in corpus.papers}
    rejected = nonsense_rejected(bench, nonsense)
    out: dict[str, dict[str, float]] = {}
    for task in ("title", "keywords"):
        # Queries of ``papers`` only (a held-back half), against the whole corpus.
        queries = [(getattr(p, task), bench.ids[p.abstract], p.discipline)
                   for n, p in enumerate(corpus.papers)
                   if getattr(p, task) and (papers is None or n in papers)]  # fmt: skip
        rr: list[float] = []
        r1: list[float] = []
        r10: list[float] = []
        dp: list[float] = []
        latency: list[float] = []
        kept: list[float] = []
        shown: list[tuple[float, bool]] = []
        with bench.factory() as session:
            for n, (text, own, own_field) in enumerate(queries):
                t0 = time.perf_counter()
                # Every result, weak ones too: the ranking metrics are the ranking's,
                # the line is measured by ``kept``.
                hits = matching.search(session, bench.manager, q=text, kind=Kind.ACHIEVEMENTS,
                                       limit=K + 1, include_weak=True)  # fmt: skip
                latency.append((time.perf_counter() - t0) * 1000)
                shown += [(m.relevance, m.item.id == own) for m in hits[:K]
                          if relevance.above_line(m.relevance)]  # fmt: skip
                kept.append(float(any(m.item.id == own and relevance.above_line(m.relevance)
                                      for m in hits)))  # fmt: skip
                ranked = [m.item.id for m in hits]
                rank = ranked.index(own) + 1 if own in ranked[:K] else 0
                rr.append(1.0 / rank if rank else 0.0)
                r1.append(1.0 if rank == 1 else 0.0)
                r10.append(1.0 if rank else 0.0)
                if own_field:
                    others = [i for i in ranked if i != own][:K]
                    dp.append(sum(discipline.get(i) == own_field for i in others) / K)
                if progress:
                    progress(f"{method['fusion']} {task}", n + 1, len(queries))
        out[task] = {
            "n": len(queries),
            "mrr10": statistics.fmean(rr) if rr else 0.0,
            "r1": statistics.fmean(r1) if r1 else 0.0,
            "r10": statistics.fmean(r10) if r10 else 0.0,
            "dp10": statistics.fmean(dp) if dp else 0.0,
            "ece": ece(shown),
            "kept": statistics.fmean(kept) if kept else 0.0,
            "nonsense_rejected": rejected,
            "p50_ms": percentile(latency, 0.5),
            "p95_ms": percentile(latency, 0.95),
        }
    return out


def nonsense_rejected(bench: Bench, n: int = NONSENSE) -> float:
    """The share of nonsense queries for which search shows nothing (nothing above the line)."""
    queries = nonsense_queries(n)
    if not queries:
        return 1.0
    with bench.factory() as session:
        empty = [not matching.search(session, bench.manager, q=q, kind=Kind.ACHIEVEMENTS, limit=K)
                 for q in queries]  # fmt: skip
    return statistics.fmean(empty)


def methods(settings: Settings) -> tuple[dict[str, dict[str, Any]], str]:
    """The methods compared side by side, and the name of the one the product serves
    (the settings' own fusion; added as "served" if it is none of the others)."""
    out: dict[str, dict[str, Any]] = {
        "lexical": {"fusion": "lexical"},
        "dense": {"fusion": "dense"},
        "rrf": {"fusion": "rrf", "rrf_k": 60, "fusion_dense_weight": 0.5},
        # Variants being tuned: more weight on the dense ranking.
        "rrf_d65": {"fusion": "rrf", "rrf_k": 60, "fusion_dense_weight": 0.65},
        "rrf_d80": {"fusion": "rrf", "rrf_k": 60, "fusion_dense_weight": 0.8},
        "weighted": {"fusion": "weighted", "fusion_dense_weight": 0.5},
    }
    for spec in out.values():
        spec["query_expansion_k"] = 0
    # Pseudo-relevance feedback on top of RRF (query moved towards its top hits): the
    # previous default (k=2, beta=1.5, always), and the served one (k=1, beta=1.0, only
    # when the first result leads by 3 %, with RRF k=20 and 0.7 on the dense ranking).
    out["rrf_qx"] = {"fusion": "rrf", "rrf_k": 60, "fusion_dense_weight": 0.8,
                     "query_expansion_k": 2, "query_expansion_beta": 1.5,
                     "query_expansion_min_margin": 0.0}  # fmt: skip
    out["rrf_aqx"] = {"fusion": "rrf", "rrf_k": 20, "fusion_dense_weight": 0.7,
                      "query_expansion_k": 1, "query_expansion_beta": 1.0,
                      "query_expansion_min_margin": 0.03}  # fmt: skip
    served = {"fusion": settings.fusion, "rrf_k": settings.rrf_k,
              "fusion_dense_weight": settings.fusion_dense_weight,
              "query_expansion_k": settings.query_expansion_k,
              "query_expansion_beta": settings.query_expansion_beta,
              "query_expansion_min_margin": settings.query_expansion_min_margin}  # fmt: skip
    for name, spec in out.items():
        # Each spec names exactly the settings its fusion reads.
        if all(served[k] == v for k, v in spec.items()):
            return out, name
    out["served"] = served
    return out, "served"


def run(folder: Path, encoder: Encoder, settings: Settings, *, limit: int | None = None,
        progress: Progress | None = None, nonsense: int = NONSENSE) -> dict[str, Any]:  # fmt: skip
    corpus = load_csl(folder)
    if limit:
        corpus = Corpus(corpus.papers[:limit])
    with tempfile.TemporaryDirectory(prefix="mm-bench-") as tmp:
        bench = build(corpus, encoder, settings, Path(tmp), progress)
        specs, served = methods(settings)
        results = {
            name: evaluate(bench, corpus, spec, progress, nonsense=nonsense)
            for name, spec in specs.items()
        }
        bench.factory.kw["bind"].dispose()
    return {
        "corpus": len(corpus.papers),
        "model_id": encoder.model_id,
        "methods": results,
        "served": served,
        "served_config": specs[served],
    }


def table(result: dict[str, Any]) -> str:
    lines = [f"语料 {result['corpus']} 篇摘要，模型 {result['model_id']}，"
             f"线上使用的融合：{result['served_config']}"]  # fmt: skip
    names = ("MRR@10", "R@1", "R@10", "学科P@10", "ECE", "保留", "拒绝无关", "p50ms", "p95ms")
    lines.append(f"{'方法':<10}{'任务':<10}" + "".join(f"{h:>10}" for h in names))
    for name, tasks in result["methods"].items():
        for task, m in tasks.items():
            lines.append(
                f"{name:<10}{task:<10}{m['mrr10']:>10.4f}{m['r1']:>10.4f}{m['r10']:>10.4f}"
                f"{m['dp10']:>10.4f}{m['ece']:>10.4f}{m['kept']:>10.4f}"
                f"{m['nonsense_rejected']:>10.4f}{m['p50_ms']:>10.1f}{m['p95_ms']:>10.1f}"
            )
    return "\n".join(lines)
