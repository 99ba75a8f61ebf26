"""Defect 8: the database restored from a backup, under index snapshots (or a running
process) that had already applied later changes.

Before the fix the caches kept their watermark, which the restored change log had not
reached: new items were never indexed, search explained results with the terms of items
the backup never had, and ``/api/v1/status`` said all was well. Now a cache whose
watermark row is missing or different is rebuilt, and status answers 503 until it is.
SQLite's change-log ids are never handed out twice (AUTOINCREMENT, migration 0007).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.migrate import alembic_config, upgrade
from matchmaking.models import IndexChange
from tests.conftest import (
    InlineDispatcher,
    _seed_towns,
    add_achievement,
    add_org,
    make_user,
)

BALLAST = "中压紫外与过滤组合的船舶压载水处理技术，满足IMO标准，能耗降低30%。"
WELDING = [
    ("钛合金双极板激光焊接", "金属双极板激光焊接与密封技术，焊缝气密性好。"),
    ("激光焊接机器人视觉跟踪", "激光焊接过程的焊缝视觉跟踪与质量在线检测。"),
    ("铝合金激光焊接气孔控制", "通过摆动激光焊接抑制铝合金焊缝气孔。"),
]
SEPARATOR = ("锂电池隔膜陶瓷涂覆", "锂离子电池隔膜的陶瓷涂覆工艺，提高隔膜耐热性与安全性。")


class Site:
    """One embedded deployment: a SQLite file, its data directory, the app on top."""

    def __init__(self, tmp_path: Path, encoder: Encoder) -> None:
        self.path = tmp_path / "matchmaking.sqlite3"
        url = f"sqlite:///{self.path}"
        upgrade(url)
        self.settings = Settings(data_dir=tmp_path / "var", database_url=url)
        self.engine = make_engine(url)
        self.factory: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.encoder = encoder
        _seed_towns(self.factory)
        self.token = make_user(self.factory, "admin", "admin")

    @contextmanager
    def running(self) -> Iterator[TestClient]:
        """The app as `serve` runs it; on exit it writes its index snapshots."""
        from web.app import create_app

        app = create_app(
            self.settings,
            session_factory=self.factory,
            encoder=self.encoder,
            dispatcher=InlineDispatcher(self.factory, self.encoder),
            # Only requests (and status) touch the indexes: nothing heals behind the test.
            maintenance_interval=3600.0,
        )
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {self.token}"
            yield client

    def copy_file(self, source: Path, target: Path) -> None:
        # Closing every connection checkpoints the WAL into the file: the file is the data.
        self.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)

    def backup(self) -> Path:
        saved = self.path.with_name("backup.sqlite3")
        self.copy_file(self.path, saved)
        return saved

    def restore(self, saved: Path) -> None:
        self.copy_file(saved, self.path)


@pytest.fixture
def site(tmp_path: Path, encoder: Encoder) -> Iterator[Site]:
    made = Site(tmp_path, encoder)
    yield made
    made.engine.dispose()


def search(client: TestClient, q: str) -> list[dict]:
    response = client.get("/api/v1/search", params={"q": q, "kind": "achievements"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def assert_only_current_items(client: TestClient, new: dict) -> None:
    """The new item is found with its own words; nothing speaks of the lost items."""
    hits = search(client, "锂电池隔膜")
    assert hits[0]["item"]["id"] == new["id"]
    assert "隔膜" in hits[0]["shared_terms"]
    for hit in search(client, "激光焊接"):
        # No item of the restored database mentions welding: a term "shared" with one
        # would come from the text of an item the backup never had.
        assert not {"激光", "焊接"} & set(hit["shared_terms"]), hit
        assert "焊接" not in hit["item"]["title"]


def test_restored_database_under_newer_snapshots_is_reindexed(site: Site) -> None:
    # Given a site with one achievement, backed up
    with site.running() as client:
        uni = add_org(client, "同济大学", "university")
        add_achievement(client, uni, "船舶压载水紫外处理", BALLAST)
    saved = site.backup()
    # and items added after the backup, which the snapshots written at shutdown include
    with site.running() as client:
        for title, abstract in WELDING:
            add_achievement(client, uni, title, abstract)
        assert search(client, "激光焊接")[0]["item"]["title"] in {t for t, _ in WELDING}

    # When the backup is restored and the platform started again
    site.restore(saved)
    with site.running() as client:
        # Then a new item (taking the ids of the lost ones) is found, nothing stale shown
        new = add_achievement(client, uni, *SEPARATOR)
        assert_only_current_items(client, new)
        # And status shows the snapshots were rebuilt, not served, and all is well now
        status = client.get("/api/v1/status")
        assert status.status_code == 200, status.json()
        kinds = status.json()["indexes"]["kinds"]
        assert kinds["achievements"]["loaded_from"].startswith("rebuilt")
        assert "restored" in kinds["achievements"]["loaded_from"]


def test_restore_under_a_running_process_is_reported_then_rebuilt(site: Site) -> None:
    # Given a running site with an achievement, backed up, then more items added
    with site.running() as client:
        uni = add_org(client, "同济大学", "university")
        add_achievement(client, uni, "船舶压载水紫外处理", BALLAST)
        saved = site.backup()
        for title, abstract in WELDING:
            add_achievement(client, uni, title, abstract)
        search(client, "激光焊接")  # the process's caches apply them
        assert client.get("/api/v1/status").status_code == 200

        # When the backup is restored under it
        site.restore(saved)

        # Then a monitoring probe sees it: 503, the indexes inconsistent
        status = client.get("/api/v1/status")
        assert status.status_code == 503
        body = status.json()
        assert body["status"] == "unhealthy"
        assert body["indexes"]["state"] == "inconsistent"
        assert "restored" in body["indexes"]["problem"]

        # And the next request's sync rebuilds the caches: the new item is found,
        # nothing stale is shown, and status is healthy again and says what happened
        new = add_achievement(client, uni, *SEPARATOR)
        assert_only_current_items(client, new)
        status = client.get("/api/v1/status")
        assert status.status_code == 200
        indexes = status.json()["indexes"]
        assert indexes["state"] == "ok"
        assert "restored" in indexes["last_rebuild"]["reason"]


def _add_changes(session: Session, n: int) -> list[int]:
    rows = [IndexChange(kind="needs", item_id=i + 1) for i in range(n)]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def test_change_ids_are_not_reused_after_the_newest_rows_are_deleted(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        ids = _add_changes(session, 3)
        session.execute(sa.delete(IndexChange).where(IndexChange.id.in_(ids[1:])))
        session.flush()
        (again,) = _add_changes(session, 1)
    assert again > ids[-1]


def _log(engine: sa.Engine) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, kind, item_id FROM index_changes ORDER BY id"))
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def test_migration_keeps_the_log_and_stops_reusing_ids(empty_url: str) -> None:
    # Given a change log at 0006 whose newest row was deleted
    upgrade(empty_url, "0007")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        for item in (1, 2, 3):
            conn.execute(
                sa.text(
                    "INSERT INTO index_changes (kind, item_id, created_at)"
                    " VALUES ('needs', :i, CURRENT_TIMESTAMP)"
                ),
                {"i": item},
            )
    before = _log(engine)

    # When it is migrated
    upgrade(empty_url, "0008")

    # Then every row keeps its id, and ids deleted from the top are not handed out again
    assert _log(engine) == before
    top = before[-1][0]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM index_changes WHERE id = :id"), {"id": top})
        conn.execute(
            sa.text(
                "INSERT INTO index_changes (kind, item_id, created_at)"
                " VALUES ('needs', 4, CURRENT_TIMESTAMP)"
            )
        )
    after = _log(engine)
    assert after[:-1] == before[:-1]
    assert after[-1][0] > top

    # And going back keeps the rows
    command.downgrade(alembic_config(empty_url), "0007")
    assert _log(engine) == after
    engine.dispose()
