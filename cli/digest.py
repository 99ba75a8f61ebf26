"""Weekly digest commands: digest preview, digest send."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import load_settings, prepare_database

if TYPE_CHECKING:
    from matchmaking.matching.indexes import IndexManager
    from matchmaking.outbound.digest import Week

app = typer.Typer(
    help="科技成果直通车（每周精选邮件）：预览某个用户将收到的内容，或立即运行一次发送任务。",
    no_args_is_help=True,
)

WeekOpt = Annotated[
    str | None, typer.Option("--week", help="周次，写作 YYYY-Www（如 2026-W49）；默认本周")
]


def _week(raw: str | None, *, default_previous: bool = False) -> Week:
    from matchmaking.outbound.digest import Week

    if raw is None:
        return Week.previous() if default_previous else Week.current()
    try:
        return Week.parse(raw)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _manager() -> IndexManager:
    from matchmaking.config import get_settings
    from matchmaking.db import get_sessionmaker
    from matchmaking.matching.indexes import IndexManager
    from matchmaking.matching.runtime import get_encoder, get_tokenizer

    settings = get_settings()
    manager = IndexManager(settings, get_sessionmaker(), get_encoder(settings), get_tokenizer())
    manager.load_all()
    return manager


@app.command("preview")
def preview(
    user: Annotated[str, typer.Option("--user", help="登录名，如 qiye")],
    week: WeekOpt = None,
    html: Annotated[bool, typer.Option("--html", help="输出 HTML 而不是纯文本")] = False,
) -> None:
    """打印某个用户这一周将收到的科技成果直通车（不发送，不记录）。"""
    from matchmaking.accounts import repository as accounts
    from matchmaking.db import get_sessionmaker
    from matchmaking.outbound import digest
    from matchmaking.outbound.render import render_parts

    settings = load_settings()
    prepare_database(settings)
    chosen = _week(week)
    manager = _manager()
    with get_sessionmaker()() as session:
        found = accounts.by_username(session, user)
        if found is None:
            typer.echo(f"没有登录名为“{user}”的用户", err=True)
            raise typer.Exit(1)
        content = digest.build(session, manager, found, chosen)
        if content is None:
            name = found.display_name or found.username
            typer.echo(f"{name}在 {chosen.key}（{chosen.label}）没有新内容，不会收到邮件。")
            return
        text, page, _ = render_parts(content, user_id=found.id)
    typer.echo(f"主题：{content.subject}")
    typer.echo(f"收件人：{found.email or '（未填写邮箱，不会发送）'}")
    typer.echo("")
    typer.echo(page if html else text)


@app.command("send")
def send(week: WeekOpt = None) -> None:
    """立即运行一次发送任务：生成上周（或指定周）的直通车邮件并发送到期的消息；已发送的不会重复发送。"""
    from matchmaking.db import get_sessionmaker
    from matchmaking.outbound import jobs

    settings = load_settings()
    prepare_database(settings)
    chosen = _week(week, default_previous=True)
    manager = _manager()
    planned, report = jobs.send_digests(get_sessionmaker(), manager, chosen)
    typer.echo(
        f"{chosen.key}：新生成直通车 {planned} 封；本次发送成功 {report.sent}，"
        f"失败 {report.failed}（稍后重试），推迟 {report.deferred}（免打扰时段或频率限制）"
    )
