"""Concurrent requests share index syncs, and each still sees what was committed before it."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.enums import Kind
from matchmaking.matching.indexes import IndexManager
from tests.conftest import add_achievement, add_org
from tests.matching.test_recovery import manager_for

# Threads sync at once, each on its own connection.
pytestmark = pytest.mark.commits


@pytest.fixture
def uni(client: TestClient) -> int:
    return add_org(client, "同济大学", "university")


@pytest.fixture
def manager(settings: Settings, factory: sessionmaker[Session], encoder: Encoder) -> IndexManager:
    """A second web process's index manager, loaded before the changes below."""
    return manager_for(settings, factory, encoder)


def test_a_sync_running_when_a_request_arrives_does_not_count_for_it(
    client: TestClient, uni: int, manager: IndexManager
) -> None:
    lexical = manager.get(Kind.ACHIEVEMENTS).lexical

    # The first sync reads the change log (nothing new yet), then stalls; meanwhile an
    # achievement is committed and a second caller arrives.
    read, go_on = threading.Event(), threading.Event()
    original = manager._sync_once

    def slow_first_sync() -> int:
        applied = original()
        if not read.is_set():
            read.set()
            go_on.wait(120)  # the safety net; the test sets it
        return applied

    manager._sync_once = slow_first_sync  # type: ignore[method-assign]
    first = threading.Thread(target=manager.sync)
    first.start()
    assert read.wait(120)
    new = add_achievement(client, uni, "双极板碳基复合涂层", "金属双极板碳基导电涂层。")["id"]
    assert new not in lexical

    # Wait until the second caller has either parked itself to wait for a sync or
    # returned (not a fixed sleep, which a busy machine can outlast).
    done, settled = threading.Event(), threading.Event()
    manager._sync_turn = _Watched(manager._sync_turn, settled)  # type: ignore[assignment]

    def second_caller() -> None:
        manager.sync()
        done.set()
        settled.set()

    second = threading.Thread(target=second_caller)
    second.start()
    assert settled.wait(120)
    # The running sync started before the change: the second caller must not take it as
    # its own and return early...
    assert not done.is_set()
    go_on.set()
    first.join(120)
    second.join(120)
    # ...it ran (or joined) a sync that started after it arrived, which saw the change.
    assert done.is_set()
    assert new in manager.get(Kind.ACHIEVEMENTS).lexical


class _Watched:
    """The manager's condition variable, telling when a caller starts waiting on it."""

    def __init__(self, condition: threading.Condition, waiting: threading.Event) -> None:
        self._condition, self._waiting = condition, waiting

    def __enter__(self) -> bool:
        return self._condition.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._condition.__exit__(*exc)

    def wait(self, timeout: float | None = None) -> bool:
        self._waiting.set()
        return self._condition.wait(timeout)

    def notify_all(self) -> None:
        self._condition.notify_all()


def test_many_callers_at_once_all_see_the_change(
    client: TestClient, uni: int, manager: IndexManager
) -> None:
    new = add_achievement(client, uni, "船舶压载水紫外处理", "中压紫外压载水处理。")["id"]
    seen: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        manager.sync()
        with lock:
            seen.append(new in manager.get(Kind.ACHIEVEMENTS).lexical)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert seen == [True] * 16


def test_a_change_committed_right_after_a_quiet_sync_is_seen_by_the_next(
    client: TestClient, uni: int, manager: IndexManager
) -> None:
    # Given a process whose sync found nothing new (on SQLite the next ones skip the log
    # while no connection has committed since)
    manager.sync()
    assert manager.sync() == 0
    # When another connection commits an achievement at once
    new = add_achievement(client, uni, "双极板碳基复合涂层", "金属双极板碳基导电涂层。")["id"]
    # Then the very next sync applies it, without waiting for the quiet period to end
    assert manager.sync() >= 1
    assert new in manager.get(Kind.ACHIEVEMENTS).lexical


def test_a_quiet_database_is_not_asked_for_its_change_log_again(
    factory: sessionmaker[Session], manager: IndexManager
) -> None:
    engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL reads the change log at every sync")
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "index_changes" in statement:
            reads.append(statement)

    manager.sync()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            manager.sync()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Nothing was committed: the syncs (within a second of the first) read nothing.
    assert reads == []
