"""Benchmarks: bench quality, bench perf, bench load, bench visits, bench schedule."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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
    nonsense: Annotated[
        int, typer.Option(min=0, help="生成多少条无意义查询来测“无匹配”判定（默认 300）")
    ] = 300,
) -> None:
    """匹配质量：标题→摘要、关键词→摘要、学科精度，各方法并列（经由与线上相同的检索代码）。"""
    from matchmaking.bench import quality
    from matchmaking.matching.runtime import get_encoder

    settings = load_settings()
    with Bars("条") as bars:
        result = quality.run(
            csl, get_encoder(settings), settings, limit=limit, progress=bars, nonsense=nonsense
        )
    typer.echo(quality.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


def calibrate(
    csl: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, help="CSL 格式的数据目录（ts_*/kg_*/cls_dcp_*.tsv）"
        ),
    ],
    holdout: Annotated[
        bool,
        typer.Option(
            "--holdout", help="用一半论文拟合，在另一半上报告质量（检验是否只适合一份样本）"
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="只用前 N 篇论文（调试用）")] = None,
    nonsense: Annotated[
        int, typer.Option(min=0, help="生成多少条无意义查询来测“无匹配”判定（默认 300）")
    ] = 300,
) -> None:
    """拟合相关度系数：在 CSL 数据上拟合，输出要设置的 MATCHMAKING_RELEVANCE_* 和拟合后的质量。"""
    from matchmaking.bench import calibrate as fitting
    from matchmaking.matching.runtime import get_encoder

    settings = load_settings()
    with Bars("条") as bars:
        result = fitting.run(
            csl,
            get_encoder(settings),
            settings,
            holdout=holdout,
            limit=limit,
            progress=bars,
            nonsense=nonsense,
        )
    typer.echo(quality_table(result))
    typer.echo("\n把下面两行加入部署的环境变量（或 .env）即可使用这组系数：")
    typer.echo(f"MATCHMAKING_RELEVANCE_MODEL_ID={result['model_id']}")
    typer.echo(
        "MATCHMAKING_RELEVANCE_COEFFICIENTS="
        + json.dumps(result["coefficients"], ensure_ascii=False, separators=(",", ":"))
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


def quality_table(result: dict[str, Any]) -> str:
    from matchmaking.bench import quality

    halves = "各一半" if result["holdout"] else "同一批"
    head = f"拟合 {result['fitted_on']} 篇、报告 {result['reported_on']} 篇（{halves}）"
    return head + "\n" + quality.table(result)


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
    queries: Annotated[
        int, typer.Option(min=1, help="推荐延迟的查询次数（搜索延迟取其中最多 200 次）")
    ] = 500,
    http_workers: Annotated[
        int, typer.Option(min=1, help="HTTP 压测时网站的进程数（serve --workers）")
    ] = 2,
    http_client: Annotated[
        HttpClient,
        typer.Option(help="HTTP 压测客户端：auto（有 wrk 用 wrk，否则 Python 线程）、wrk、python"),
    ] = HttpClient.AUTO,
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="保留语料与索引的目录（默认用完即删的临时目录）；"
            "其中已有同规模的语料时直接使用，跳过生成与建索引（如百万级复测）"
        ),
    ] = None,
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
        try:
            result = perf.run(sizes, get_encoder(settings), settings, database_url=database_url,
                              http_seconds=http_seconds, http_requests=http_requests,
                              ingest_docs=ingest_docs, queries=queries,
                              http_workers=http_workers, http_client=client,
                              serve_command=[sys.executable, "-m", "cli", "serve"],
                              progress=bars, workdir=workdir)  # fmt: skip
        except ValueError as exc:  # the options do not fit together, or --workdir's corpus
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(perf.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("load")
def bench_load(
    rows: Annotated[int, typer.Option(min=1, help="导入的需求行数")] = 10_000,
    clients: Annotated[int, typer.Option(min=1, help="并发客户端数")] = 16,
    seconds: Annotated[float, typer.Option(min=0.5, help="压测时长（秒）")] = 60.0,
    corpus: Annotated[
        int, typer.Option(min=10, help="推荐所用的科技成果条数（另有十分之一的需求）")
    ] = 10_000,
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
) -> None:
    """导入期间的负载：启动嵌入模式平台（含后台任务进程），经网页导入生成的需求，
    同时用多个客户端请求推荐接口和需求页面；报告请求数、错误数、p50/p95 延迟和导入用时。"""
    from matchmaking.bench import load
    from matchmaking.matching.runtime import get_encoder

    settings = load_settings()
    result = load.run(
        get_encoder(settings),
        rows=rows,
        clients=clients,
        seconds=seconds,
        corpus=corpus,
        serve_command=[sys.executable, "-m", "cli", "serve"],
        log=lambda message: typer.echo(message, err=True),
    )
    typer.echo(load.table(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    if result["errors"] or result["import_error"]:
        raise typer.Exit(1)


class Size(StrEnum):
    """A generated instance's size: each bench states what S, M and L hold for it."""

    S = "S"
    M = "M"
    L = "L"


# --- bench visits (issue 13) ------------------------------------------------------------


@app.command("visits")
def bench_visits(
    instance: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help='"visits/1" 格式的实例文件（JSON）'),
    ] = None,
    size: Annotated[
        Size | None,
        typer.Option(help="生成的规模：S 30×10×10，M 300×100×20，L 1000×300×20（巡诊×专家×半天）"),
    ] = None,
    seed: Annotated[int, typer.Option(help="生成实例的随机种子")] = 0,
    candidates: Annotated[
        int, typer.Option(min=1, help="生成实例中每场巡诊的候选专家数（越少越拥挤）")
    ] = 25,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="把方案写入这个 JSON 文件")
    ] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, help="第二阶段（排时间）的时限，秒")] = 10.0,
    fair: Annotated[bool, typer.Option(help="先提高最低匹配度（--no-fair 只求总分最高）")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
) -> None:
    """专家巡诊分配：两个阶段的耗时、配齐比例、总匹配度与最优之比、最低匹配度、负载极差，并与贪心基线对比。"""
    from matchmaking.bench import visits
    from matchmaking.exceptions import InvalidInput
    from matchmaking.visits.assignment import from_json, solution_to_json

    if instance is not None and size is not None:
        raise typer.BadParameter("--instance 与 --size 只能选一个")
    if instance is not None:
        try:
            problem = from_json(json.loads(instance.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"{instance} 不是有效的 JSON：{exc}") from exc
        except InvalidInput as exc:
            raise typer.BadParameter(f"{instance}：{exc.message}") from exc
    else:
        problem = visits.generated((size or Size.S).value, seed, candidates)
    figures, result = visits.run(problem, fair=fair, time_limit_s=time_limit)
    if out is not None:
        out.write_text(json.dumps(solution_to_json(result), ensure_ascii=False, indent=1) + "\n")
    typer.echo(visits.table(problem, figures, result))
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))


# --- bench schedule (issue 12) ---------------------------------------------------------


@app.command("schedule")
def bench_schedule(
    instance: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="schedule/1 格式的排程实例（JSON），与 --size 二选一"
        ),
    ] = None,
    size: Annotated[
        Size | None,
        typer.Option(help="生成实例的规模：S（40 人）、M（200 人）、L（1000 人）"),
    ] = None,
    seed: Annotated[int, typer.Option(help="生成实例与取消名单的随机种子")] = 0,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="把排程结果写到这个 JSON 文件")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="每次求解的时间上限（秒）")
    ] = 30.0,
    repair: Annotated[
        bool, typer.Option(help="再做一次重排：取消 10% 参会人，统计已发布会谈被移动的比例")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="最后一行输出一个 JSON 对象")] = False,
) -> None:
    """对接会一对一排程：求解器与贪心基线并列，含上界、差距与重排移动比例。"""
    from matchmaking.bench import schedule
    from matchmaking.events.scheduler import InstanceError

    if (instance is None) == (size is None):
        raise typer.BadParameter("请给出 --instance 文件或 --size S|M|L 之一")
    if instance is not None:
        try:
            problem = schedule.load(instance)
        except (InstanceError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"{instance}：{exc}") from exc
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{instance} 不是合法的 JSON：第 {exc.lineno} 行") from exc
    else:
        assert size is not None
        problem = schedule.generated(size.value, seed)
    report = schedule.run(problem, time_limit_s=time_limit, out=out, repair=repair, seed=seed)
    typer.echo(schedule.table(report))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))


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
