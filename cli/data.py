"""Data commands: migrate, import, reindex, status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from cli.common import Bars, load_settings, parse_kinds, prepare_database
from matchmaking.config import Settings
from matchmaking.enums import Kind

app = typer.Typer()


@app.command()
def migrate() -> None:
    """把数据库结构升级到最新版本。"""
    settings = load_settings()
    prepare_database(settings)
    typer.echo("数据库已是最新结构。")


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
    from matchmaking.importing.service import FIRST_DATA_ROW, ImportStopped, import_in_chunks
    from matchmaking.importing.tables import read_table

    target = parse_kinds([kind])[0]
    settings = load_settings()
    prepare_database(settings)
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
    # Committed a chunk at a time (each chunk's jobs leave after its commit, inside
    # `routing`); a chunk that finds the lock taken (the worker writing) waits its turn
    # and is tried again.
    try:
        with routing:
            report = import_in_chunks(get_sessionmaker(), target, rows, first_row=FIRST_DATA_ROW)
    except ImportStopped as stopped:
        kept, at = stopped.report, stopped.next_row
        typer.echo(
            f"数据库一直被其他进程占用（如后台任务正在写入），导入在第 {at} 行处停止。\n"
            f"已保存第 {at} 行之前的 {kept.total} 行：新增 {kept.created}，更新 {kept.updated}，"
            f"出错 {len(kept.errors)}；第 {at} 行起没有导入。\n"
            "请稍后重新运行同一命令：已导入的行会被更新，不会重复。",
            err=True,
        )
        for err in kept.errors:
            typer.echo(f"  第 {err.row} 行：{err.message}", err=True)
        raise typer.Exit(2) from None
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
    """Compute missing or stale vectors (``force``: all), one transaction per batch."""
    from matchmaking.db import get_sessionmaker, session_scope
    from matchmaking.matching import embedding
    from matchmaking.matching.runtime import get_encoder

    encoder = get_encoder(settings)
    done = 0
    for kind in kinds:
        with session_scope() as session:
            ids = embedding.ids_to_embed(session, kind, encoder.model_id, force=force)
        if not ids:
            continue
        with tqdm(total=len(ids), desc=f"向量 {kind.value}", unit="条") as bar:
            for start in range(0, len(ids), embedding.BATCH):
                batch = ids[start : start + embedding.BATCH]
                # The model runs outside any transaction: the worker and the web
                # process can write meanwhile.
                embedding.embed_outside_lock(get_sessionmaker(), encoder, kind, batch, force=force)
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

    settings = load_settings()
    prepare_database(settings)
    kinds = parse_kinds(kind)
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
    from matchmaking.db import session_scope
    from matchmaking.matching.indexes import status_report
    from matchmaking.matching.runtime import get_encoder

    settings = load_settings()
    prepare_database(settings)
    encoder = get_encoder(settings)
    with session_scope() as session:
        out = status_report(settings, session, encoder)
    counts, indexes = out["items"], out["indexes"]
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"模式：{settings.mode.value}    模型：{encoder.model_id}")
    typer.echo(f"{'类别':<14}{'条目':>8}{'待计算':>8}{'向量有效':>10}{'缺失或过期':>12}")
    for name, c in counts.items():
        typer.echo(
            f"{name:<14}{c['items']:>8}{c['pending']:>8}{c['vectors_current']:>10}{c['stale_or_missing']:>12}"
        )
    worker, waiting = out["worker"], out["pending"]
    if worker["last_heartbeat"] is None:
        typer.echo("后台任务进程：从未报告心跳")
    else:
        alive = "运行中" if worker["alive"] else "无响应"
        typer.echo(f"后台任务进程：{alive}（最近心跳 {worker['age_seconds']:.0f} 秒前）")
    if waiting["oldest_age_seconds"] is not None:
        typer.echo(
            f"待计算 {waiting['count']} 条，最早的已等待 {waiting['oldest_age_seconds']:.0f} 秒"
        )
    typer.echo("索引快照：")
    for name, h in indexes.items():
        if h["ok"]:
            typer.echo(
                f"  {name}: {h['index_type']}，向量 {h['count']}，落后 {h['behind_by']} 条变更"
            )
        else:
            typer.echo(f"  {name}: 不可用（{h['problem']}），下次启动时会从数据库重建")
    for problem in out["problems"]:
        typer.echo(f"注意：{problem}")
