"""The ``matchmaking`` command line: serve, worker, beat, demo, import, reindex, status, migrate."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from matchmaking.config import Mode, Settings, get_settings
from matchmaking.enums import Kind

app = typer.Typer(
    help="产学研对接平台命令行工具。每个命令都可加 --help 查看说明。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

HostOpt = Annotated[str, typer.Option(help="监听地址")]
PortOpt = Annotated[int, typer.Option(help="监听端口")]


# -- helpers ---------------------------------------------------------------
def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"配置有误：{exc}", err=True)
        raise typer.Exit(2) from exc


def _prepare(settings: Settings) -> None:
    """Create the data directory and bring the database schema up to date."""
    from matchmaking.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)


class Bars:
    """One tqdm progress bar per label, for the (label, done, total) callbacks."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self._bars: dict[str, tqdm] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        bar = self._bars.get(label)
        if bar is None:
            bar = self._bars[label] = tqdm(total=total, desc=label, unit=self.unit, leave=True)
        bar.update(done - bar.n)

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *_: object) -> None:
        for bar in self._bars.values():
            bar.close()


def _kinds(values: list[str] | None) -> list[Kind]:
    if not values:
        return list(Kind)
    try:
        return [Kind(v) for v in values]
    except ValueError as exc:
        raise typer.BadParameter("应为 needs、achievements 或 experts") from exc


def _worker_command(*, beat: bool, concurrency: int) -> list[str]:
    cmd = [
        sys.executable, "-m", "celery", "-A", "workers.celery_app:app", "worker",
        "--loglevel", "INFO", "--concurrency", str(concurrency),
    ]  # fmt: skip
    if beat:
        cmd.append("--beat")
    return cmd


def _die_with_parent() -> None:
    """In the worker child: get SIGTERM if `serve` dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: serve still stops the worker on a normal exit


def _print_urls(host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"平台首页：  http://{shown}:{port}/")
    typer.echo(f"接口文档：  http://{shown}:{port}/docs")


def _serve(settings: Settings, host: str, port: int, worker: bool | None, workers: int = 1,
           access_log: bool = True) -> None:  # fmt: skip
    import uvicorn

    from web.app import create_app

    run_worker = settings.mode is Mode.EMBEDDED if worker is None else worker
    child: subprocess.Popen[bytes] | None = None
    if run_worker:
        # A real Celery worker (with beat for the periodic reconcile) in its own process.
        child = subprocess.Popen(
            _worker_command(beat=True, concurrency=1), preexec_fn=_die_with_parent
        )
        typer.echo(f"后台任务进程已启动（pid {child.pid}）")
    _print_urls(host, port)
    # Behind the TLS proxy the client's address comes from X-Forwarded-For, but only
    # from the proxies trusted here (the login limit per IP depends on it).
    proxy = {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips,
             "access_log": access_log}  # fmt: skip
    try:
        if workers > 1:
            # Separate processes, not threads: one process's GIL serialised 16 clients
            # (measured in docs/benchmarks.md). Each builds its app from the same
            # MATCHMAKING_* environment and loads its own indexes from the snapshots.
            uvicorn.run("web.app:create_app", factory=True, host=host, port=port,
                        workers=workers, log_level="info", **proxy)  # fmt: skip
        else:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="info", **proxy)
    finally:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


# -- commands --------------------------------------------------------------
@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="同时启动后台任务进程（含定时对账）。嵌入模式默认启动，生产模式默认不启动。",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="MATCHMAKING_WEB_WORKERS",
            help="网站进程数（多核时可提高并发吞吐；每个进程各自载入索引，内存随之增加）",
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="逐条记录请求日志（前面有反向代理记录访问日志时可关闭）",
        ),
    ] = True,
) -> None:
    """启动网站与 JSON 接口（先自动升级数据库）。"""
    settings = _settings()
    _prepare(settings)
    _serve(settings, host, port, worker, workers, access_log)


@app.command()
def worker(
    beat: Annotated[
        bool, typer.Option("--beat/--no-beat", help="在同一进程中运行定时对账")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, help="并发进程数")] = 1,
) -> None:
    """启动后台任务进程：计算向量、定时对账。"""
    _settings()
    from workers.celery_app import app as celery_app

    argv = ["worker", "--loglevel", "INFO", "--concurrency", str(concurrency)]
    celery_app.worker_main([*argv, "--beat"] if beat else argv)


@app.command()
def beat() -> None:
    """启动定时调度（生产模式下与 worker 分开运行，只能有一个）。"""
    settings = _settings()
    from workers.celery_app import app as celery_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel", "INFO"])


@app.command()
def migrate() -> None:
    """把数据库结构升级到最新版本。"""
    settings = _settings()
    _prepare(settings)
    typer.echo("数据库已是最新结构。")


@app.command()
def demo(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="载入后启动平台")] = True,
) -> None:
    """载入演示数据（单位、技术需求、科技成果、专家及其向量），然后启动平台。"""
    from matchmaking import demo as demo_data
    from matchmaking.db import get_sessionmaker
    from matchmaking.matching.indexes import IndexManager
    from matchmaking.matching.runtime import get_encoder, get_tokenizer

    settings = _settings()
    _prepare(settings)
    typer.echo(f"数据目录：{settings.data_dir.resolve()}（模式：{settings.mode.value}）")
    encoder = get_encoder(settings)
    with Bars("条") as bars:
        source = settings.demo_dir or demo_data.DEMO_DIR
        # Demo accounts share a published password: never on a production site.
        report = demo_data.load(
            get_sessionmaker(),
            encoder,
            demo_dir=source,
            progress=bars,
            accounts=settings.mode is Mode.EMBEDDED,
        )
    typer.echo(f"单位 {report.organizations} 家")
    for kind, rep in report.imports.items():
        typer.echo(f"{kind}: 新增 {rep.created}，更新 {rep.updated}，出错 {len(rep.errors)}")
        for err in rep.errors:
            typer.echo(f"  第 {err.row} 行：{err.message}", err=True)
    typer.echo(f"向量：新计算 {report.encoded}，复用 {report.from_cache}")
    manager = IndexManager(settings, get_sessionmaker(), encoder, get_tokenizer())
    with Bars("条") as bars:
        for kind in Kind:
            manager.rebuild(kind, progress=bars, reason="demo")
    typer.echo("索引已建好。")
    _print_accounts(report.accounts, demo_data.DEMO_PASSWORD)
    if settings.mode is Mode.PRODUCTION:
        typer.echo("生产模式不创建演示账号；请用 matchmaking user create 创建账号。")
    if serve_after:
        _serve(settings, host, port, None)


def _print_accounts(accounts: list[Any], password: str) -> None:
    if not accounts:
        return
    typer.echo(f"演示账号（密码均为 {password}）：")
    for account in accounts:
        scope = f"（{account.town}）" if account.town else ""
        typer.echo(f"  {account.username:<14} {account.role.label}{scope} · {account.display_name}")


@app.command("import")
def import_(
    kind: Annotated[
        str, typer.Argument(help="needs（技术需求）、achievements（科技成果）或 experts（专家）")
    ],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV 或 .xlsx 文件")],
    embed_now: Annotated[
        bool, typer.Option("--embed-now", help="导入后立即在本进程计算向量，而不交给后台任务")
    ] = False,
) -> None:
    """从 CSV 或 Excel 导入；每行单独校验，出错的行会列出行号和原因，其余行照常导入。

    表头可用中文（如 单位、需求名称、需求描述、行业领域、合作方式）或字段名；
    “单位”须为已登记单位的全称。按外部编号或“单位+名称”匹配，重复导入会更新而不会重复。
    """
    from matchmaking import jobs
    from matchmaking.db import get_sessionmaker
    from matchmaking.exceptions import MatchmakingError
    from matchmaking.importing.service import import_rows
    from matchmaking.importing.tables import read_table

    target = _kinds([kind])[0]
    settings = _settings()
    _prepare(settings)
    try:
        rows = read_table(path.read_bytes(), path.name, target.value)
    except MatchmakingError as exc:
        typer.echo(f"无法读取 {path}：{exc.message}", err=True)
        raise typer.Exit(1) from exc
    if embed_now:
        # The vectors are computed below, in this process: the import's jobs are dropped.
        routing = jobs.handled_inline()
    else:
        from workers.celery_app import dispatch

        routing = jobs.dispatching_to(dispatch)
    with routing, get_sessionmaker()() as session:
        report = import_rows(session, target, rows)
        session.commit()
    typer.echo(
        f"共 {report.total} 行：新增 {report.created}，更新 {report.updated}，"
        f"出错 {len(report.errors)}"
    )
    for err in report.errors:
        typer.echo(f"  第 {err.row} 行：{err.message}", err=True)
    if embed_now and report.ok:
        _embed_stale(settings, [target], force=False)
    elif report.ok:
        typer.echo("向量将由后台任务计算；运行中的平台会自动更新索引。")
    if report.errors:
        raise typer.Exit(1)


def _embed_stale(settings: Settings, kinds: list[Kind], *, force: bool) -> int:
    from sqlalchemy import select

    from matchmaking.db import get_sessionmaker
    from matchmaking.matching import embedding
    from matchmaking.matching.kinds import SERVICES
    from matchmaking.matching.runtime import get_encoder

    encoder = get_encoder(settings)
    factory = get_sessionmaker()
    done = 0
    for kind in kinds:
        with factory() as session:
            if force:
                model = SERVICES[kind].repo.model
                ids = list(session.scalars(select(model.id).order_by(model.id)))
            else:
                ids = embedding.stale_ids(session, kind, encoder.model_id, older_than=timedelta(0))
        if not ids:
            continue
        with tqdm(total=len(ids), desc=f"向量 {kind.value}", unit="条") as bar:
            for start in range(0, len(ids), embedding.BATCH):
                batch = ids[start : start + embedding.BATCH]
                with factory() as session:
                    if force:
                        embedding.forget_vectors(session, kind, encoder.model_id, batch)
                    embedding.embed_items(session, encoder, kind, batch)
                    session.commit()
                bar.update(len(batch))
        done += len(ids)
    return done


@app.command()
def reindex(
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="只处理这一类（可重复）：needs / achievements / experts"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="重新计算全部向量，而不只是缺失或过期的")
    ] = False,
) -> None:
    """从数据库重建向量与索引（FAISS + BM25），并写入索引快照。"""
    from matchmaking.db import get_sessionmaker
    from matchmaking.matching.indexes import IndexManager
    from matchmaking.matching.runtime import get_encoder, get_tokenizer

    settings = _settings()
    _prepare(settings)
    kinds = _kinds(kind)
    encoded = _embed_stale(settings, kinds, force=force)
    typer.echo(f"计算向量 {encoded} 条。")
    manager = IndexManager(settings, get_sessionmaker(), get_encoder(settings), get_tokenizer())
    with Bars("条") as bars:
        for k in kinds:
            manager.rebuild(k, progress=bars, reason="reindex")
    for k in kinds:
        ki = manager.get(k)
        typer.echo(
            f"{k.value}: 向量 {len(ki.vectors)}（{ki.vectors.kind}），词法文档 {len(ki.lexical)}"
        )
    typer.echo("索引快照已写入 " + str(settings.index_dir.resolve()))


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """数量、待计算向量、索引快照的健康状况。"""
    from matchmaking.db import get_sessionmaker
    from matchmaking.matching import embedding
    from matchmaking.matching.indexes import snapshot_health
    from matchmaking.matching.runtime import get_encoder

    settings = _settings()
    _prepare(settings)
    encoder = get_encoder(settings)
    with get_sessionmaker()() as session:
        counts = embedding.counts(session, encoder.model_id)
        indexes = snapshot_health(settings, session, encoder)
    out: dict[str, Any] = {
        "mode": settings.mode.value,
        "model_id": encoder.model_id,
        "items": counts,
        "indexes": indexes,
    }
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"模式：{settings.mode.value}    模型：{encoder.model_id}")
    typer.echo(f"{'类别':<14}{'条目':>8}{'待计算':>8}{'向量有效':>10}{'缺失或过期':>12}")
    for name, c in counts.items():
        typer.echo(
            f"{name:<14}{c['items']:>8}{c['pending']:>8}{c['vectors_current']:>10}{c['stale_or_missing']:>12}"
        )
    typer.echo("索引快照：")
    for name, h in indexes.items():
        if h["ok"]:
            typer.echo(
                f"  {name}: {h['index_type']}，向量 {h['count']}，落后 {h['behind_by']} 条变更"
            )
        else:
            typer.echo(f"  {name}: 不可用（{h['problem']}），下次启动时会从数据库重建")


user_app = typer.Typer(
    help="账号管理：创建管理员、科技局工作人员、专家等账号。", no_args_is_help=True
)
app.add_typer(user_app, name="user")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="登录名（3–64 个字母、数字或 _.@-）")],
    role: Annotated[
        str, typer.Option(help="角色：admin、staff、enterprise、university 或 expert")
    ] = "admin",
    display_name: Annotated[str, typer.Option(help="姓名")] = "",
    org_id: Annotated[
        int | None, typer.Option(help="所属单位编号（企业、高校院所用户必填）")
    ] = None,
    expert_id: Annotated[int | None, typer.Option(help="专家编号（专家账号必填）")] = None,
    town: Annotated[str, typer.Option(help="科技局工作人员负责的区镇；不填为全区")] = "",
) -> None:
    """创建账号。密码从环境变量 MATCHMAKING_NEW_PASSWORD 读取，否则在终端输入（至少 12 个字符）。"""
    from pydantic import ValidationError

    from matchmaking.accounts import service as accounts
    from matchmaking.accounts.schemas import UserCreate
    from matchmaking.common.validation import validation_details
    from matchmaking.db import get_sessionmaker, session_scope
    from matchmaking.enums import Role
    from matchmaking.exceptions import MatchmakingError

    settings = _settings()
    _prepare(settings)
    password = os.environ.get("MATCHMAKING_NEW_PASSWORD") or typer.prompt(
        "密码", hide_input=True, confirmation_prompt="再次输入密码"
    )
    try:
        data = UserCreate(
            username=username,
            password=password,
            display_name=display_name,
            role=Role.parse(role),
            org_id=org_id,
            expert_id=expert_id,
            town=town,
        )
        with session_scope(get_sessionmaker()) as session:
            user = accounts.create_user(session, data)
            typer.echo(f"已创建账号 {user.username}（{Role(user.role).label}），编号 {user.id}")
    except ValidationError as exc:
        for detail in validation_details(exc.errors()):
            typer.echo(detail["message"], err=True)
        raise typer.Exit(1) from exc
    except (MatchmakingError, ValueError) as exc:
        typer.echo(getattr(exc, "message", str(exc)), err=True)
        raise typer.Exit(1) from exc


bench_app = typer.Typer(help="基准测试：匹配质量与速度。", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("quality")
def bench_quality(
    csl: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, help="CSL 格式的数据目录（ts_*/kg_*/cls_dcp_*.tsv）"
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="只用前 N 篇论文（调试用）")] = None,
) -> None:
    """匹配质量：标题→摘要、关键词→摘要、学科精度，各方法并列（经由与线上相同的检索代码）。"""
    from matchmaking.bench import quality
    from matchmaking.matching.runtime import get_encoder

    settings = _settings()
    with Bars("条") as bars:
        result = quality.run(csl, get_encoder(settings), settings, limit=limit, progress=bars)
    typer.echo(quality.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


class HttpClient(StrEnum):
    AUTO = "auto"
    WRK = "wrk"
    PYTHON = "python"


@bench_app.command("perf")
def bench_perf(
    n: Annotated[str, typer.Option("--n", help="语料规模，逗号分隔，如 10000,100000")] = "10000",
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
    database_url: Annotated[
        str | None, typer.Option(help="用这个（空的）数据库，如 PostgreSQL；默认临时 SQLite")
    ] = None,
    http_seconds: Annotated[
        float, typer.Option(min=0, help="HTTP 压测时长（秒），0 为跳过")
    ] = 10.0,
    http_requests: Annotated[
        int,
        typer.Option(
            min=0, help="HTTP 压测改为按请求数结束（如 200；最多等 10 分钟），不受机器快慢影响"
        ),
    ] = 0,
    ingest_docs: Annotated[int, typer.Option(min=2, help="入库吞吐测试的文档数")] = 96,
    http_workers: Annotated[
        int, typer.Option(min=1, help="HTTP 压测时网站的进程数（serve --workers）")
    ] = 2,
    http_client: Annotated[
        HttpClient,
        typer.Option(help="HTTP 压测客户端：auto（有 wrk 用 wrk，否则 Python 线程）、wrk、python"),
    ] = HttpClient.AUTO,
) -> None:
    """速度与规模：建索引、推荐与搜索延迟、内存、近似召回、入库吞吐、HTTP 压测。"""
    from matchmaking.bench import perf
    from matchmaking.matching.runtime import get_encoder

    settings = _settings()
    try:
        sizes = [int(x) for x in n.split(",") if x.strip()]
    except ValueError as exc:
        raise typer.BadParameter("--n 应为逗号分隔的整数，如 10000,100000") from exc
    try:
        client = perf.http_client(http_client.value)  # before minutes of corpus building
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with Bars("条") as bars:
        result = perf.run(sizes, get_encoder(settings), settings, database_url=database_url,
                          http_seconds=http_seconds, http_requests=http_requests,
                          ingest_docs=ingest_docs,
                          http_workers=http_workers, http_client=client,
                          progress=bars)  # fmt: skip
    typer.echo(perf.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


def main() -> None:
    logging.basicConfig(level=os.environ.get("MATCHMAKING_LOG_LEVEL", "WARNING"))
    app()


if __name__ == "__main__":
    main()
