"""The ``matchmaking`` command line: serve, worker, demo, import, status, calibrate, bench…"""

from __future__ import annotations

import logging
import os

import typer

from cli import bench, data, digest, serve, users

app = typer.Typer(
    help="产学研对接平台命令行工具。每个命令都可加 --help 查看说明。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(serve.app)
app.add_typer(data.app)
app.add_typer(users.app, name="user")
app.add_typer(bench.app, name="bench")
app.add_typer(digest.app, name="digest")
app.command("calibrate")(bench.calibrate)


def main() -> None:
    logging.basicConfig(level=os.environ.get("MATCHMAKING_LOG_LEVEL", "WARNING"))
    app()
