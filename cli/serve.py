"""Process supervision: serve (with its worker child), worker, beat, demo."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Annotated, Any

import typer

from cli.common import Bars, HostOpt, PortOpt, load_settings, prepare_database
from matchmaking.config import Mode, Settings
from matchmaking.enums import Kind

app = typer.Typer()


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

    from web.app import SERVER_OPTIONS, create_app

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
    try:
        if workers > 1:
            # Separate processes, not threads: one process's GIL serialised 16 clients
            # (measured in docs/benchmarks.md). Each builds its app from the same
            # MATCHMAKING_* environment and loads its own indexes from the snapshots.
            uvicorn.run("web.app:create_app", factory=True, host=host, port=port,
                        workers=workers, log_level="info", proxy_headers=True,
                        forwarded_allow_ips=settings.forwarded_allow_ips,
                        access_log=access_log, **SERVER_OPTIONS)  # fmt: skip
        else:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                        proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                        access_log=access_log, **SERVER_OPTIONS)  # fmt: skip
    finally:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


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
    settings = load_settings()
    prepare_database(settings)
    _serve(settings, host, port, worker, workers, access_log)


@app.command()
def worker(
    beat: Annotated[
        bool, typer.Option("--beat/--no-beat", help="在同一进程中运行定时对账")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, help="并发进程数")] = 1,
) -> None:
    """启动后台任务进程：计算向量、定时对账。"""
    load_settings()
    from workers.celery_app import app as celery_app

    argv = ["worker", "--loglevel", "INFO", "--concurrency", str(concurrency)]
    celery_app.worker_main([*argv, "--beat"] if beat else argv)


@app.command()
def beat() -> None:
    """启动定时调度（生产模式下与 worker 分开运行，只能有一个）。"""
    settings = load_settings()
    from workers.celery_app import app as celery_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel", "INFO"])


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

    settings = load_settings()
    prepare_database(settings)
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
    if report.outcomes:
        o = report.outcomes
        typer.echo(
            f"成果：合作协议 {o['agreements']} 项，技术合同 {o['contracts']} 项，"
            f"到账 {o['payments']} 笔，已签约对接 {o['dockings']} 个"
        )
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
