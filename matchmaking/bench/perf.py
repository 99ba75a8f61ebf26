"""Speed and scale: index build, recommend and search latency, memory, recall, ingest, HTTP.

The corpus is N achievements and N/10 needs in a real database, with Chinese
texts recombined from the demo data and clustered random unit vectors in place of model
vectors (so a large N is cheap to make; the output says so). Everything else
is the production code: the repository queries, the index manager, the
ranking, the web app.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import httpx
import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from embeddings import sizes
from embeddings.encoders import Encoder
from matchmaking import demo, jobs
from matchmaking.bench import percentile
from matchmaking.common.filters import ItemFilters
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.enums import Kind
from matchmaking.matching import embedding
from matchmaking.matching import service as matching
from matchmaking.matching.indexes import IndexManager, KindIndex
from matchmaking.matching.runtime import get_tokenizer, limit_compute_threads
from matchmaking.matching.text import achievement_text, item_text, text_hash
from matchmaking.migrate import upgrade
from matchmaking.models import Achievement, Embedding, Need, Organization
from matchmaking.towns import service as towns_service

Progress = Callable[[str, int, int], None]
QUERIES = 500
CHUNK = 5000


def cores() -> int:
    """The cores this process may run on (the ceiling's numerator)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def rss_mb() -> float:
    """The process's private resident memory (RssAnon; VmRSS where the kernel has no
    split). Pages of files it maps (the SQLite database, a shared index file) are the
    page cache's, shared and evictable: with SQLite's mmap reads a build that reads
    every row would otherwise count the database file as the process's memory."""
    fields: dict[str, int] = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "VmRSS"):
                fields[key] = int(value.split()[0])
    return fields.get("RssAnon", fields.get("VmRSS", 0)) / 1024


class Texts:
    """Plausible Chinese texts made by recombining sentences of the demo data."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ach = demo.read_csv(demo.DEMO_DIR / "achievements.csv")
        self.needs = demo.read_csv(demo.DEMO_DIR / "needs.csv")
        self.sentences = [s for r in self.ach for s in r["abstract"].split("。") if s]

    def achievement(self, n: int) -> dict[str, Any]:
        base = self.rng.choice(self.ach)
        extra = "。".join(self.rng.sample(self.sentences, 2))
        return {
            "title": f"{base['title']}（{n}）",
            "abstract": f"{base['abstract']}{extra}。",
            "keywords": base["keywords"],
            "industry_field": base["industry_field"],
            "maturity": base["maturity"],
            "cooperation_mode": base["cooperation_mode"],
        }

    def need(self, n: int) -> dict[str, Any]:
        base = self.rng.choice(self.needs)
        return {
            "title": f"{base['title']}（{n}）",
            "description": base["description"],
            "indicators": base["indicators"],
            "industry_field": base["industry_field"],
            "cooperation_mode": base["cooperation_mode"],
            "status": "open",
        }


def populate(factory: sessionmaker[Session], n: int, dim: int, model_id: str, seed: int,
             progress: Progress | None) -> None:  # fmt: skip
    """Insert N achievements, N/10 needs and clustered random unit vectors (bulk, in chunks)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    texts = Texts(rng)
    # Clustered like real embeddings (topics): unit vectors around n/100 random
    # centres, about 0.86 cosine to their centre and 0.73 to a neighbour.
    centres = nrng.standard_normal((max(n // 100, 10), dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    with factory() as session:
        unis = [Organization(name=f"高校{i}", kind="university", district="")
                for i in range(15)]  # fmt: skip
        towns_service.seed(session)
        town_ids = [
            towns_service.resolve(session, t) for t in ("海门街道", "三厂街道", "临江镇", "常乐镇")
        ]
        ents = [Organization(name=f"企业{i}", kind="enterprise", district="海门区",
                             town_id=town_ids[i % len(town_ids)]) for i in range(60)]  # fmt: skip
        session.add_all(unis + ents)
        session.commit()
        uni_ids, ent_ids = [o.id for o in unis], [o.id for o in ents]
    for kind, model, count, orgs, make in (
        (Kind.ACHIEVEMENTS, Achievement, n, uni_ids, texts.achievement),
        (Kind.NEEDS, Need, max(n // 10, 1), ent_ids, texts.need),
    ):
        next_id = 1
        for start in range(0, count, CHUNK):
            size = min(CHUNK, count - start)
            rows = []
            for i in range(size):
                values = make(start + i)
                values.update(id=next_id + i, org_id=orgs[(start + i) % len(orgs)],
                              embedding_status="ready")  # fmt: skip
                values["text_hash"] = text_hash(item_text(kind, model(**values)))
                rows.append(values)
            noise = nrng.standard_normal((size, dim)).astype(np.float32) * (0.6 / np.sqrt(dim))
            vectors = centres[nrng.integers(0, len(centres), size)] + noise
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            with factory() as session:
                session.execute(insert(model), rows)
                session.execute(insert(Embedding), [
                    {"kind": kind.value, "item_id": r["id"], "model_id": model_id,
                     "text_hash": r["text_hash"], "dim": dim, "vector": embedding.to_blob(v)}
                    for r, v in zip(rows, vectors, strict=True)
                ])  # fmt: skip
                session.commit()
            next_id += size
            if progress:
                progress(f"N={n} {kind.value}", start + size, count)


def measure_n(n: int, encoder: Encoder, settings: Settings, workdir: Path,
              progress: Progress | None, database_url: str | None,
              queries: int = QUERIES) -> tuple[dict[str, Any], str, str]:  # fmt: skip
    path = workdir / f"perf-{n}.sqlite3"
    url = database_url or f"sqlite:///{path}"
    run_settings = settings.model_copy(update={"data_dir": workdir / f"var-{n}"})
    # A corpus an earlier run left in ``--workdir``: its rows and index snapshots are
    # used as they are (a million items take half an hour to build).
    reuse = database_url is None and path.exists()
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    if reuse:
        with factory() as session:
            found = session.scalar(select(func.count()).select_from(Achievement))
        snapshots = run_settings.data_dir / "indexes"
        if found != n or not all((snapshots / k.value / "manifest.json").exists()
                                 for k in (Kind.ACHIEVEMENTS, Kind.NEEDS)):  # fmt: skip
            engine.dispose()
            raise ValueError(
                f"{workdir} 中的 N={n} 语料不完整（{found or 0} 条成果，或缺索引快照）："
                "请换一个空目录，或删除该目录后重新生成"
            )
    else:
        populate(factory, n, encoder.dim, encoder.model_id, seed=n, progress=progress)
    manager = IndexManager(run_settings, factory, encoder, get_tokenizer())

    def indexed(kind: Kind) -> KindIndex:
        """The kind's index: loaded from the kept snapshot, or built."""
        if reuse:
            return manager.get(kind)
        return manager.rebuild(kind, reason="bench", progress=_built(progress, n))

    rss_before = rss_mb()
    t0 = time.perf_counter()
    ach = indexed(Kind.ACHIEVEMENTS)
    build_s = time.perf_counter() - t0
    needs_index = indexed(Kind.NEEDS)
    rng = random.Random(1)
    with factory() as session:
        needs = list(session.execute(select(Need.id, Need.industry_field)))
        titles = [t for (t,) in session.execute(select(Need.title).limit(200))]
    # As on a server that has run a while: the database file in the page cache (a
    # ranking reads a few hundred random rows; cold, at 1M each was a disk read and
    # p95 tripled), then a few untimed recommendations (statement caches).
    if engine.dialect.name == "sqlite" and engine.url.database:
        _read_through(Path(engine.url.database))
    with factory() as session:
        for need_id, field in needs[:WARM_UP_QUERIES]:
            matching.recommend(session, manager, source_kind=Kind.NEEDS, source_id=need_id,
                               target_kind=Kind.ACHIEVEMENTS, limit=10,
                               filters=ItemFilters(industry_field=field))  # fmt: skip
    rec: list[float] = []
    cpu0 = time.process_time()  # every thread of the process (FAISS's OpenMP included)
    with factory() as session:
        for _ in range(queries):
            need_id, field = rng.choice(needs)
            t = time.perf_counter()
            matching.recommend(session, manager, source_kind=Kind.NEEDS, source_id=need_id,
                               target_kind=Kind.ACHIEVEMENTS, limit=10,
                               filters=ItemFilters(industry_field=field))  # fmt: skip
            rec.append((time.perf_counter() - t) * 1000)
            session.expunge_all()
    cpu_ms = (time.process_time() - cpu0) * 1000 / queries
    search: list[float] = []
    with factory() as session:
        for i in range(min(queries, 200)):
            t = time.perf_counter()
            matching.search(session, manager, q=titles[i % len(titles)], kind=Kind.ACHIEVEMENTS)
            search.append((time.perf_counter() - t) * 1000)
    rss = rss_mb()  # before the exact index below, which only the bench builds
    structures = [sizes.index_bytes(ki.vectors, ki.lexical) for ki in (ach, needs_index)]
    items = len(ach.vectors) + len(needs_index.vectors)
    per_structure = {
        k: round(sum(b[k] for b in structures) / max(items, 1))
        for k in structures[0]
        if k != "total"
    }
    # Queries near the data, as in use: the vectors of 200 random needs. The truth is
    # an exact FAISS index of the stored (float32) vectors, whatever the served index
    # keeps (8-bit codes with SQ8); its search time is the floor a ranking is set against.
    exact_index, exact_ids = _exact_index(factory, encoder.model_id, encoder.dim)
    floor: list[float] = []
    recall = []
    for need_id, _ in rng.sample(needs, min(200, len(needs))):
        q = needs_index.vectors.vector(need_id)
        if q is None:
            continue
        approx = {i for i, _ in ach.vectors.search(q, 10)}
        t = time.perf_counter()
        _, labels = exact_index.search(q.reshape(1, -1), 10)
        floor.append((time.perf_counter() - t) * 1000)
        exact = {int(exact_ids[j]) for j in labels[0] if j >= 0}
        recall.append(len(approx & exact) / max(len(exact), 1))
    del exact_index, exact_ids
    result = {
        # Reused (``--workdir``): the time to load the achievements' snapshot instead.
        "build_s": None if reuse else round(build_s, 2),
        "load_s": round(build_s, 2) if reuse else None,
        "index_type": ach.vectors.kind,
        "recommend_p50_ms": round(percentile(rec, 0.5), 2),
        "recommend_p95_ms": round(percentile(rec, 0.95), 2),
        "recommend_p99_ms": round(percentile(rec, 0.99), 2),
        "search_p95_ms": round(percentile(search, 0.95), 2),
        "rss_mb": round(rss, 1),
        "recall10": round(statistics.fmean(recall), 4) if recall else None,
        "exact_floor_ms": round(percentile(floor, 0.5), 2),
        "recommend_p95_to_floor": (
            round(percentile(rec, 0.95) / percentile(floor, 0.5), 3)
            if floor and percentile(floor, 0.5) > 0
            else None
        ),
        "cpu_ms_per_request": round(cpu_ms, 2),
        # The index structures of both kinds over the items in them (needs included).
        "bytes_per_item": round(sum(b["total"] for b in structures) / max(items, 1)),
        "bytes_per_item_by_structure": per_structure,
        # The process's growth while the indexes were built, per item: the structures
        # plus what the allocator keeps (an upper bound; the database rows are not in it).
        "rss_bytes_per_item": round(max(rss - rss_before, 0) * 2**20 / max(items, 1)),
        "indexed_items": items,
    }
    engine.dispose()
    return result, url, str(run_settings.data_dir)


WARM_UP_QUERIES = 20


def _read_through(path: Path) -> None:
    """Read a file once, so that its pages are in the operating system's cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def _built(progress: Progress | None, n: int) -> Progress | None:
    if progress is None:
        return None
    return lambda kind, done, total: progress(f"N={n} 建索引 {kind}", done, total)


def _exact_index(
    factory: sessionmaker[Session], model_id: str, dim: int
) -> tuple[faiss.IndexFlatIP, np.ndarray]:
    """An exact inner-product index of the stored achievement vectors, and its ids."""
    index = faiss.IndexFlatIP(dim)
    ids: list[int] = []
    last = 0
    with factory() as session:
        while True:
            rows = session.execute(
                select(Embedding.item_id, Embedding.vector)
                .where(Embedding.kind == Kind.ACHIEVEMENTS.value, Embedding.model_id == model_id,
                       Embedding.item_id > last)
                .order_by(Embedding.item_id)
                .limit(CHUNK * 4)
            ).all()  # fmt: skip
            if not rows:
                break
            index.add(np.stack([embedding.from_blob(blob, dim) for _, blob in rows]))
            ids.extend(item_id for item_id, _ in rows)
            last = rows[-1][0]
    return index, np.asarray(ids, dtype=np.int64)


def measure_ingest(
    encoder: Encoder, settings: Settings, workdir: Path, count: int = 96
) -> dict[str, float]:
    """Documents/s through import → embed task body → vector stored → searchable, vs raw encoder."""
    texts = Texts(random.Random(5))
    docs = [texts.achievement(i) for i in range(count)]
    raw_texts = [achievement_text(Achievement(**d)) for d in docs]
    encoder.encode_documents(raw_texts[:4])  # warm up
    t = time.perf_counter()
    # In the batches the worker's embed jobs carry: one call with every text was
    # slower per document (longer padding), which flattered the pipeline (ratio > 1).
    for start in range(0, count, embedding.BATCH):
        encoder.encode_documents(raw_texts[start : start + embedding.BATCH])
    raw = count / (time.perf_counter() - t)

    # Always a new database: an earlier run's one may be left in ``--workdir``.
    for stale in workdir.glob("ingest.sqlite3*"):
        stale.unlink()
    shutil.rmtree(workdir / "var-ingest", ignore_errors=True)
    url = f"sqlite:///{workdir / 'ingest.sqlite3'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    manager = IndexManager(settings.model_copy(update={"data_dir": workdir / "var-ingest"}),
                           factory, encoder, get_tokenizer())  # fmt: skip
    manager.load_all()
    from matchmaking.importing.service import import_rows

    with factory() as session:
        session.add(Organization(name="高校0", kind="university", district=""))
        session.commit()
    rows = [{**{k: str(v) for k, v in d.items()}, "organization": "高校0"} for d in docs]
    sent: list[tuple[str, tuple[Any, ...]]] = []
    with jobs.dispatching_to(lambda name, args: sent.append((name, args))):
        t = time.perf_counter()
        with factory() as session:
            import_rows(session, Kind.ACHIEVEMENTS, rows)
            session.commit()
        # What the worker does: one embeddings.embed task per job the import sent,
        # each with that job's ids (the body of workers.tasks.embeddings.embed).
        for name, (_kind, ids) in sent:
            if name == "embeddings.embed":
                with factory() as session:
                    embedding.embed_items(session, encoder, Kind.ACHIEVEMENTS, ids)
                    session.commit()
        manager.sync()
        pipeline = count / (time.perf_counter() - t)
    searchable = len(manager.get(Kind.ACHIEVEMENTS).vectors)
    return {"ingest_raw_docs_s": round(raw, 2), "ingest_pipeline_docs_s": round(pipeline, 2),
            "ingest_ratio": round(pipeline / raw, 3), "ingest_searchable": searchable}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_client(choice: str = "auto") -> str:
    """The load generator to use: "wrk" or "python" ("auto": wrk when installed)."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise ValueError(
            "找不到 wrk：请先安装（sudo apt-get install wrk），或用 --http-client python"
        )
    return choice


@dataclass(frozen=True)
class Budget:
    """How long a load runs: ``seconds``, or — with ``requests`` — until that many
    requests have completed, with ``seconds`` only as the timeout. A count does not
    depend on the machine's speed (a 1-second window on a busy machine completed none).
    """

    seconds: float
    requests: int = 0

    def warm_up(self) -> Budget:
        if self.requests:
            return Budget(self.seconds, max(self.requests // 2, 1))
        return Budget(min(5.0, self.seconds / 2))


# --http-requests: a safety net, not a measure (20 requests take about a second).
HTTP_REQUESTS_TIMEOUT = 600.0


def measure_http(url: str, data_dir: str, n_needs: int, budget: Budget,
                 concurrency: int = 16, workers: int = 1,
                 client: str = "auto", *, serve_command: list[str]) -> dict[str, Any]:  # fmt: skip
    """Requests/s and p95 on the recommendation endpoint of a real server (uvicorn).

    ``serve_command`` starts the web server (the shell's ``serve``): the domain package
    does not know the command line that wraps it.
    """
    port = _free_port()
    env = {**os.environ, "MATCHMAKING_DATABASE_URL": url, "MATCHMAKING_DATA_DIR": data_dir,
           "MATCHMAKING_MODE": "embedded", "MATCHMAKING_LOG_LEVEL": "WARNING"}  # fmt: skip
    server = subprocess.Popen(
        [*serve_command, "--no-worker", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/status", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"matchmaking serve exited with {server.returncode}")
            time.sleep(0.5)
        run_load = _wrk_load if http_client(client) == "wrk" else _python_load
        # A warm-up first, not counted: the first requests of a new server read the
        # database file from disk and fill SQLAlchemy's statement cache.
        run_load(base, n_needs, budget.warm_up(), concurrency)
        cpu0 = tree_cpu_seconds(server.pid)
        load = run_load(base, n_needs, budget, concurrency)
        cpu = tree_cpu_seconds(server.pid) - cpu0
        # The server's own CPU per request (its processes only, not the client's):
        # unlike requests/s, it does not depend on what else the machine runs.
        load["http_cpu_ms_per_request"] = (
            round(cpu * 1000 / load["http_requests"], 2)
            if load["http_requests"] and cpu > 0
            else None
        )
    finally:
        server.terminate()  # it writes its index snapshots on the way out
        try:
            server.wait(timeout=300)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if budget.requests and load["http_requests"] < budget.requests:
        raise RuntimeError(
            f"HTTP 压测超时：{budget.seconds:.0f} 秒内只完成 "
            f"{load['http_requests']}/{budget.requests} 个请求"
        )
    return {**load, "http_concurrency": concurrency, "http_workers": workers}


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (Linux;
    0.0 elsewhere)."""
    stats: dict[int, tuple[int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command: state, ppid, ..., utime (14th field), stime (15th).
        stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


# wrk picks a random need per request (each thread seeded differently) and prints its
# own summary as one JSON line: requests, seconds, latency percentiles, errors.
_WRK_SCRIPT = """
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(seed * 7919) end
request = function()
  return wrk.format("GET", "/api/v1/needs/" .. math.random(1, %d) .. "/recommendations?limit=10")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "us": %%d, "p95_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
# wrk has no request count. With one, each thread counts its responses, stops after
# its share and says so on stdout; when every thread has, wrk is interrupted (SIGINT:
# it prints its summary, with the time until then as the duration). -d is the timeout.
_WRK_COUNT = """
local responses = 0
response = function()
  responses = responses + 1
  if responses == %d then io.write("WRKDONE\\n"); io.flush(); wrk.thread:stop() end
end
"""
_WRK_THREADS = 2


def _wrk_load(base: str, n_needs: int, budget: Budget, concurrency: int) -> dict[str, Any]:
    """The load from wrk (C, an event loop per thread): it takes little of the CPU the
    server needs, unlike a Python client on the same cores."""
    script = _WRK_SCRIPT % n_needs
    if budget.requests:
        script += _WRK_COUNT % -(-budget.requests // _WRK_THREADS)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    seconds = f"{max(int(budget.seconds), 1)}s"
    command = ["wrk", "-t", str(_WRK_THREADS), "-c", str(max(concurrency, _WRK_THREADS)),
               "-d", seconds, "--timeout", "30s", "-s", f.name, base]  # fmt: skip
    try:
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as wrk:
            assert wrk.stdout is not None
            lines, finished = [], 0
            for line in wrk.stdout:
                lines.append(line)
                finished += line.startswith("WRKDONE")
                if budget.requests and finished == _WRK_THREADS:
                    wrk.send_signal(signal.SIGINT)
                    break
            lines += wrk.communicate()[0].splitlines()
        if wrk.returncode:
            raise subprocess.CalledProcessError(wrk.returncode, command)
    finally:
        os.unlink(f.name)
    line = next(x for x in lines if x.startswith("WRKJSON "))
    r = json.loads(line.removeprefix("WRKJSON "))
    return {
        "http_rps": round(r["requests"] / (r["us"] / 1e6), 1),
        "http_p95_ms": round(r["p95_us"] / 1000, 1),
        "http_errors": r["errors"],
        "http_requests": r["requests"],
        "http_client": "wrk",
    }


def _python_load(base: str, n_needs: int, budget: Budget, concurrency: int) -> dict[str, Any]:
    """Without wrk: ``concurrency`` Python threads (the client then shares the CPU)."""
    latencies: list[float] = []
    errors = issued = 0
    lock = threading.Lock()
    stop = time.monotonic() + budget.seconds

    def take() -> bool:
        """May this thread send one more request?"""
        nonlocal issued
        if time.monotonic() >= stop:
            return False
        if not budget.requests:
            return True
        with lock:
            if issued >= budget.requests:
                return False
            issued += 1
            return True

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as client:
            while take():
                need = rng.randint(1, n_needs)
                t = time.perf_counter()
                r = client.get(f"/api/v1/needs/{need}/recommendations", params={"limit": 10})
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(ms)
                    errors += r.status_code != 200

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    return {
        "http_rps": round(len(latencies) / elapsed, 1),
        "http_p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "http_errors": errors,
        "http_requests": len(latencies),
        "http_client": "python threads",
    }


def run(
    sizes: list[int],
    encoder: Encoder,
    settings: Settings,
    *,
    database_url: str | None = None,
    http_seconds: float = 10.0,
    http_requests: int = 0,
    ingest_docs: int = 96,
    queries: int = QUERIES,
    http_workers: int = 1,
    http_client: str = "auto",
    serve_command: list[str] | None = None,
    progress: Progress | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Every measurement, in a temporary directory or ``workdir`` (kept, and a corpus of
    the same N found there is used instead of generated and indexed again)."""
    limit_compute_threads(settings.compute_threads)
    out: dict[str, Any] = {
        "vectors": "random clustered unit vectors (not model vectors)",
        "model_id": encoder.model_id,
        "cores": cores(),
        "compute_threads": settings.compute_threads,
        "hnsw_storage": settings.hnsw_storage,
    }
    with (
        tempfile.TemporaryDirectory(prefix="mm-perf-") if workdir is None else nullcontext(workdir)
    ) as tmp:
        work = Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        served: tuple[str, str] | None = None  # database and data dir of the largest N
        for n in sizes:
            if database_url and n != sizes[0]:
                raise ValueError("使用 --database-url 时只能给一个 --n（数据库须为空）")
            result, url, data_dir = measure_n(
                n, encoder, settings, work, progress, database_url, queries
            )
            out[str(n)], served = result, (url, data_dir)
            sys.stderr.write(f"N={n}: {out[str(n)]}\n")
        if ingest_docs:  # 0: skipped (the shape test)
            out.update(measure_ingest(encoder, settings, work, ingest_docs))
        budget = (
            Budget(HTTP_REQUESTS_TIMEOUT, http_requests) if http_requests else Budget(http_seconds)
        )
        if budget.seconds > 0 and served:
            if not serve_command:
                raise ValueError("the HTTP measurement needs the command that serves the site")
            out.update(measure_http(*served, max(sizes[-1] // 10, 1), budget,
                                    workers=http_workers, client=http_client,
                                    serve_command=serve_command))  # fmt: skip
    out.update(ratios(out, sizes[-1]))
    return out


def ratios(out: dict[str, Any], n: int) -> dict[str, Any]:
    """The HTTP figures against the in-process ones of the largest N, on this machine.

    The ceiling is what the cores could serve if a request cost only its in-process CPU
    (cores / CPU per request): no HTTP, ASGI, response model or load generator.
    """
    per_n = out[str(n)]
    cpu = per_n["cpu_ms_per_request"]
    ceiling = out["cores"] * 1000 / cpu if cpu > 0 else None
    rps, p95 = out.get("http_rps"), out.get("http_p95_ms")
    http_cpu = out.get("http_cpu_ms_per_request")
    return {
        # The server's CPU per HTTP request over the in-process CPU per recommendation:
        # what the HTTP path adds, whatever else the machine runs.
        "http_cpu_ratio": round(http_cpu / cpu, 2) if http_cpu and cpu > 0 else None,
        "ceiling_rps": round(ceiling, 1) if ceiling else None,
        "http_ratio_to_ceiling": round(rps / ceiling, 3) if rps and ceiling else None,
        "http_p95_ratio": (
            round(p95 / per_n["recommend_p95_ms"], 2)
            if p95 and per_n["recommend_p95_ms"] > 0
            else None
        ),
    }


def table(result: dict[str, Any]) -> str:
    lines = [f"向量：{result['vectors']}；模型（搜索时编码查询）：{result['model_id']}"]
    keys = ["build_s", "index_type", "recommend_p50_ms", "recommend_p95_ms", "recommend_p99_ms",
            "search_p95_ms", "rss_mb", "recall10", "exact_floor_ms", "recommend_p95_to_floor",
            "cpu_ms_per_request", "bytes_per_item", "rss_bytes_per_item"]  # fmt: skip
    for n, m in result.items():
        if isinstance(m, dict):
            # A reused corpus (--workdir) was loaded, not built: its load time instead.
            shown = [("load_s" if k == "build_s" and m.get("build_s") is None else k) for k in keys]
            lines.append(f"N={n}: " + "  ".join(f"{k}={m.get(k)}" for k in shown))
            lines.append(
                "  每条字节："
                + "  ".join(f"{k}={v}" for k, v in m["bytes_per_item_by_structure"].items())
            )
    rest = {
        k: v
        for k, v in result.items()
        if not isinstance(v, dict) and k not in ("vectors", "model_id")
    }
    lines.append("  ".join(f"{k}={v}" for k, v in rest.items()))
    return "\n".join(lines)
