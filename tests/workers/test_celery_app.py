"""The embedded broker keeps all its files under the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaking.config import Settings
from workers.celery_app import create_celery


def test_the_filesystem_broker_writes_nothing_outside_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kombu's default puts its exchange tables in ./control of whatever directory
    # the process started in (the checkout, where they ended up committed).
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    data_dir = tmp_path / "var"
    app = create_celery(Settings(data_dir=data_dir))

    app.send_task("embeddings.reconcile")

    assert list(workdir.iterdir()) == []
    assert (data_dir / "broker" / "control" / "celery.exchange").exists()
    assert len(list((data_dir / "broker" / "queue").iterdir())) == 1
