"""Defect 9, status part: `/api/v1/status` says whether a worker is alive (its last
heartbeat) and how long the oldest item has waited for its vector, and calls the platform
"degraded" when either is wrong, so a monitoring probe sees a dead or stuck worker.
Before the fix status had neither.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock, health
from matchmaking.migrate import alembic_config, upgrade
from tests.conftest import InlineDispatcher, add_achievement, add_org

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def beat(factory: sessionmaker[Session], pid: int) -> None:
    with factory() as session:
        health.record_heartbeat(session, "celery@test", pid, T0)
        session.commit()


def test_status_reports_worker_heartbeat_and_oldest_pending_item(
    client: TestClient, dispatcher: InlineDispatcher, factory: sessionmaker[Session]
) -> None:
    # Given no worker ever ran, and an item whose task was lost at T0
    with clock.frozen(T0):
        uni = add_org(client, "同济大学", "university")
        dispatcher.paused = True
        waiting = add_achievement(client, uni, "双极板碳基复合涂层", "金属双极板耐腐蚀导电涂层。")
        status = client.get("/api/v1/status")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "degraded"
    assert body["worker"]["alive"] is False
    assert body["worker"]["last_heartbeat"] is None
    assert any("心跳" in p for p in body["problems"])
    assert body["pending"]["count"] == 1
    assert body["pending"]["oldest_age_seconds"] == 0

    # When a worker beats, twenty minutes later, while the item still waits
    later = T0 + timedelta(minutes=20)
    with clock.frozen(later):
        beat(factory, 4242)
        body = client.get("/api/v1/status").json()
    # Then the worker is alive, and the item's wait is the problem
    assert body["worker"]["alive"] is True
    assert body["worker"]["workers"][0]["pid"] == 4242
    assert datetime.fromisoformat(body["worker"]["last_heartbeat"]) == later
    assert body["pending"]["oldest_age_seconds"] == 1200
    assert body["status"] == "degraded"
    assert [p for p in body["problems"] if "待计算" in p]

    # When the item gets its vector, all is well
    dispatcher.paused = False
    with clock.frozen(later + timedelta(seconds=5)):
        client.patch(f"/api/v1/achievements/{waiting['id']}", json={"title": "双极板复合涂层"})
        body = client.get("/api/v1/status").json()
    assert body["pending"]["count"] == 0
    assert (body["status"], body["problems"]) == ("ok", [])

    # And when the worker stops beating for three intervals, it is reported dead
    with clock.frozen(later + timedelta(seconds=31)):
        body = client.get("/api/v1/status").json()
    assert body["worker"]["alive"] is False
    assert body["worker"]["age_seconds"] == 31
    assert body["status"] == "degraded"


def test_heartbeat_table_migrates_up_and_down(empty_url: str) -> None:
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    assert "worker_heartbeats" in sa.inspect(engine).get_table_names()
    command.downgrade(alembic_config(empty_url), "0008")
    assert "worker_heartbeats" not in sa.inspect(engine).get_table_names()
    upgrade(empty_url)
    assert "worker_heartbeats" in sa.inspect(engine).get_table_names()
    engine.dispose()
