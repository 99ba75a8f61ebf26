"""Account commands: user create."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.common import load_settings, prepare_database

app = typer.Typer(help="账号管理：创建管理员、科技局工作人员、专家等账号。", no_args_is_help=True)


@app.command("create")
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

    settings = load_settings()
    prepare_database(settings)
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
