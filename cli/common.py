"""Helpers shared by the command groups: settings, the schema upgrade, progress bars."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from tqdm import tqdm

from matchmaking.config import Settings, get_settings
from matchmaking.enums import Kind

HostOpt = Annotated[str, typer.Option(help="监听地址")]
PortOpt = Annotated[int, typer.Option(help="监听端口")]


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"配置有误：{exc}", err=True)
        raise typer.Exit(2) from exc


def prepare_database(settings: Settings) -> None:
    """Create the data directory and bring the database schema up to date."""
    from matchmaking.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)


class Bars:
    """One tqdm progress bar per label, for the (label, done, total) callbacks."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self._bars: dict[str, tqdm[Any]] = {}

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


def parse_kinds(values: list[str] | None) -> list[Kind]:
    if not values:
        return list(Kind)
    try:
        return [Kind(v) for v in values]
    except ValueError as exc:
        raise typer.BadParameter("应为 needs、achievements 或 experts") from exc
