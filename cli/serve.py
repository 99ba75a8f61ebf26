"""Process supervision: serve (with its worker child), worker, beat, demo."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Annotated, Any

import typer

from cli.common import Bars, HostOpt, PortOpt, load_settings, prepare_database
from matchmaking.config import Mode, Settings, get_settings
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


def _libc() -> Any:
    """libc for prctl, loaded before forking (nothing may import in a forked child)."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None  # not Linux: serve still stops the worker on a normal exit


class WorkerSupervisor:
    """Keeps the worker child (Celery worker with beat) running while `serve` runs.

    The child leads a process group of its own (its pool processes and its beat process
    are in it). When the child exits for any reason (the kernel's OOM killer sends
    SIGKILL, which leaves the children it had running), what is left of its group is
    killed and the child is started again after a pause: 1 s, doubled after each exit up
    to ``max_delay``, back to 1 s once a child has run ``stable_after`` seconds. Each exit
    and restart is logged. On `stop` the child gets SIGTERM (Celery's warm shutdown),
    then the whole group SIGKILL, so no worker or beat outlives `serve`. If `serve`
    itself is killed, the child gets SIGTERM from the kernel (PR_SET_PDEATHSIG).
    """

    def __init__(
        self,
        command: list[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        stable_after: float = 60.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.command = command
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.stop_timeout = stop_timeout
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._libc = _libc()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _die_with_parent(self) -> None:
        # In the child, between fork and exec: get SIGTERM when the thread that started
        # it (the supervisor's, alive as long as the child is) or `serve` dies.
        if self._libc is not None:
            self._libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            self.child = subprocess.Popen(
                self.command, start_new_session=True, preexec_fn=self._die_with_parent
            )
        typer.echo(f"后台任务进程已启动（pid {self.child.pid}）")
        return self.child

    def _run(self) -> None:
        delay = self.first_delay
        child = self.child
        while child is not None:
            started = time.monotonic()
            code = child.wait()
            _kill_group(child.pid)  # its beat and pool processes, orphaned otherwise
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self.stable_after:
                delay = self.first_delay
            self.restarts += 1
            typer.echo(
                f"后台任务进程（pid {child.pid}）意外退出（{_describe_exit(code)}），"
                f"{delay:g} 秒后重启（第 {self.restarts} 次重启）",
                err=True,
            )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.max_delay)
            # Started from this thread: PR_SET_PDEATHSIG follows the thread that forks.
            child = self._spawn()

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            child = self.child
        if child is None:
            return
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # the leader stops its beat and pool itself
            try:
                child.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(child.pid)  # whatever is left
        child.wait()
        self._thread.join(timeout=5)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is already empty


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        hint = "，可能因内存不足被系统终止" if -code == signal.SIGKILL else ""
        return f"信号 {name}{hint}"
    return f"退出码 {code}"


def _print_urls(host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"平台首页：  http://{shown}:{port}/")
    typer.echo(f"接口文档：  http://{shown}:{port}/docs")


def link_to_this_server(settings: Settings, host: str, port: int) -> Settings:
    """Links in messages lead to this server (``matchmaking demo --port 8100``) unless
    ``MATCHMAKING_PUBLIC_URL`` names the address users reach it by (behind a proxy).

    Set in the environment, so the worker this command starts, which writes the
    emails, uses it too."""
    if settings.public_url != Settings.model_fields["public_url"].default:
        return settings
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    url = f"http://{shown}:{port}"
    os.environ["MATCHMAKING_PUBLIC_URL"] = url
    get_settings.cache_clear()
    return settings.model_copy(update={"public_url": url})


def _serve(settings: Settings, host: str, port: int, worker: bool | None, workers: int = 1,
           access_log: bool = True) -> None:  # fmt: skip
    import uvicorn

    from web.app import SERVER_OPTIONS, create_app

    settings = link_to_this_server(settings, host, port)
    run_worker = settings.mode is Mode.EMBEDDED if worker is None else worker
    supervisor: WorkerSupervisor | None = None
    if run_worker:
        # A real Celery worker (with beat for the periodic reconcile) in its own process,
        # restarted if it dies.
        supervisor = WorkerSupervisor(_worker_command(beat=True, concurrency=1))
        supervisor.start()
    _print_urls(host, port)
    # Behind the TLS proxy the client's address comes from X-Forwarded-For, but only
    # from the proxies trusted here (the login limit per IP depends on it).
    try:
        if workers > 1:
            # Separate processes, not threads: one process's GIL serialised 16 clients
            # (measured in docs/benchmarks.md). Each builds its app from the same
            # MATCHMAKING_* environment and loads its own indexes from the snapshots.
            # The supervisor pings each process and restarts one that does not answer
            # in time; a process loading a large index (minutes on a busy machine)
            # answers late, so the wait is a setting (the pinned uvicorn 0.54 takes it;
            # older versions have no such option and keep their fixed 5 s).
            extra: dict[str, Any] = {}
            if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
                extra["timeout_worker_healthcheck"] = settings.web_healthcheck_seconds
            uvicorn.run("web.app:create_app", factory=True, host=host, port=port,
                        workers=workers, log_level="info", proxy_headers=True,
                        forwarded_allow_ips=settings.forwarded_allow_ips,
                        access_log=access_log, **SERVER_OPTIONS, **extra)  # fmt: skip
        else:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                        proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                        access_log=access_log, **SERVER_OPTIONS)  # fmt: skip
    finally:
        if supervisor is not None:
            supervisor.stop()


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
    manager = IndexManager(settings, get_sessionmaker(), encoder, get_tokenizer())
    with Bars("条") as bars:
        source = settings.demo_dir or demo_data.DEMO_DIR
        # Demo accounts share a published password: never on a production site.
        report = demo_data.load(
            get_sessionmaker(),
            manager,
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
    with Bars("条") as bars:
        for kind in Kind:
            manager.rebuild(kind, progress=bars, reason="demo")
    typer.echo("索引已建好。")
    _print_accounts(report.accounts, demo_data.DEMO_PASSWORD)
    _print_mail_sink(settings)
    if settings.mode is Mode.PRODUCTION:
        typer.echo("生产模式不创建演示账号；请用 matchmaking user create 创建账号。")
    if serve_after:
        _serve(settings, host, port, None)


def _print_mail_sink(settings: Settings) -> None:
    from matchmaking.outbound.channels import FolderChannel, email_channel

    channel = email_channel(settings)
    if isinstance(channel, FolderChannel):
        typer.echo(
            f"邮件不会真正发出：平台发送的每封邮件都写入 {channel.folder.resolve()}/ 下的 .eml 文件"
            "（可用任何邮件程序打开）。"
        )
    elif settings.smtp_host:
        typer.echo(f"邮件经 {settings.smtp_host}:{settings.smtp_port} 发出。")


def _print_accounts(accounts: list[Any], password: str) -> None:
    if not accounts:
        return
    typer.echo(f"演示账号（密码均为 {password}）：")
    for account in accounts:
        scope = f"（{account.town}）" if account.town else ""
        typer.echo(f"  {account.username:<14} {account.role.label}{scope} · {account.display_name}")
