"""Two staff members publish at the same moment (PostgreSQL, real concurrent requests).

Both requests load the run before either locks the event: a barrier holds each right after
it has read its run until the other has too. The event must end with exactly one published
version, whichever order the database serves them in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.enums import Role, WishLevel
from matchmaking.events import scheduling
from matchmaking.events import service as events
from matchmaking.events.schemas import RegistrationInput
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Notification, ScheduleRun
from tests.factories import make_event, make_user
from tests.web.pages_helpers import csrf, login

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.commits,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]


@pytest.fixture
def both_read_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    barrier = threading.Barrier(2, timeout=60)
    original = scheduling._run
    lock = threading.Lock()
    waiting = {"left": 0}

    def load(session: Session, p: Any, run_id: int) -> Any:
        loaded = original(session, p, run_id)
        with lock:
            hold = waiting["left"] > 0
            waiting["left"] -= 1 if hold else 0
        if hold:
            barrier.wait()
        return loaded

    def arm() -> None:
        waiting["left"] = 2

    monkeypatch.setattr(scheduling, "_run", load)
    yield arm
    barrier.abort()


def _two_versions(factory: sessionmaker[Session], manager: IndexManager) -> tuple[int, int, int]:
    with factory() as session:
        event = make_event(session)
        regs = []
        for role in (Role.ENTERPRISE, Role.UNIVERSITY, Role.ENTERPRISE):
            p = principal_for(make_user(session, role=role))
            regs.append((p, events.register(session, p, event.id, RegistrationInput())))
        events.set_wish(session, regs[0][0], event.id, regs[1][1].id, WishLevel.MUST)
        events.set_wish(session, regs[2][0], event.id, regs[1][1].id, WishLevel.WANT)
        staff = principal_for(make_user(session, role=Role.STAFF, username="keji"))
        runs = []
        for _ in range(2):
            run = scheduling.start_run(session, staff, event.id)
            session.commit()
            scheduling.execute(factory, manager, run.id, time_limit_s=5)
            runs.append(run.id)
        make_user(session, role=Role.STAFF, username="keji2")
        session.commit()
        return event.id, runs[0], runs[1]


def _published(factory: sessionmaker[Session], event_id: int) -> list[int]:
    with factory() as session:
        stmt = select(ScheduleRun.version).where(
            ScheduleRun.event_id == event_id, ScheduleRun.published.is_(True)
        )
        return list(session.scalars(stmt))


def _post_together(clients: list[tuple[TestClient, str]]) -> list[httpx.Response]:
    tokens = [csrf(c) for c, _url in clients]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        futures = [
            pool.submit(c.post, url, data={"csrf_token": t}, follow_redirects=False)
            for (c, url), t in zip(clients, tokens, strict=True)
        ]
        return [f.result(timeout=120) for f in futures]


def test_two_staff_publishing_different_versions_leave_one_published(
    factory: sessionmaker[Session],
    index_manager: IndexManager,
    make_client: Callable[..., TestClient],
    both_read_first: Callable[[], None],
) -> None:
    event_id, first, second = _two_versions(factory, index_manager)
    a, b = make_client(), make_client()
    login(a, "keji")
    login(b, "keji2")

    both_read_first()
    results = _post_together(
        [(a, f"/events/runs/{first}/publish"), (b, f"/events/runs/{second}/publish")]
    )

    assert [r.status_code for r in results] == [303, 303], [r.text[:300] for r in results]
    assert len(_published(factory, event_id)) == 1


def test_two_staff_publishing_the_same_version_publish_it_once(
    factory: sessionmaker[Session],
    index_manager: IndexManager,
    make_client: Callable[..., TestClient],
    both_read_first: Callable[[], None],
) -> None:
    event_id, first, _second = _two_versions(factory, index_manager)
    a, b = make_client(), make_client()
    login(a, "keji")
    login(b, "keji2")

    both_read_first()
    _post_together([(a, f"/events/runs/{first}/publish"), (b, f"/events/runs/{first}/publish")])

    assert _published(factory, event_id) == [1]
    # Participants are told once (the second request found it published: no second notice).
    with factory() as session:
        told = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "event_published")
        )
    assert told == 3
