"""Benchmarks: bench quality, bench perf."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import Bars, load_settings

app = typer.Typer(help="基准测试：匹配质量与速度。", no_args_is_help=True)


@app.command("quality")
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

    settings = load_settings()
    with Bars("条") as bars:
        result = quality.run(csl, get_encoder(settings), settings, limit=limit, progress=bars)
    typer.echo(quality.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


class HttpClient(StrEnum):
    AUTO = "auto"
    WRK = "wrk"
    PYTHON = "python"


@app.command("perf")
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

    settings = load_settings()
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
                          serve_command=[sys.executable, "-m", "cli", "serve"],
                          progress=bars)  # fmt: skip
    typer.echo(perf.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("kpi")
def bench_kpi(
    contracts: Annotated[int, typer.Option(min=1, help="技术合同份数")] = 100_000,
    payments: Annotated[int, typer.Option(min=1, help="到账笔数")] = 300_000,
    towns: Annotated[int, typer.Option(min=1, max=200, help="区镇个数")] = 20,
    months: Annotated[int, typer.Option(min=1, max=120, help="覆盖的月数（到本月为止）")] = 36,
    repeats: Annotated[int, typer.Option(min=1, help="每个接口重复测量的次数")] = 20,
    database_url: Annotated[
        str | None, typer.Option(help="用这个（空的）数据库，如 PostgreSQL；默认临时 SQLite")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
) -> None:
    """考核看板：大规模数据下各接口的 p50/p95 延迟，以及生成月度通报 .docx 的耗时。"""
    from matchmaking.bench import kpi

    load_settings()
    with Bars("条") as bars:
        result = kpi.run(contracts=contracts, payments=payments, towns=towns, months=months,
                         repeats=repeats, database_url=database_url, progress=bars)  # fmt: skip
    typer.echo(kpi.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
