"""Two people act on one docking at the same moment (PostgreSQL, real concurrent requests).

Both requests read the docking while it is still "已申请" and only then write: a
barrier holds each request right after it has loaded the docking until the other has
too. Exactly one move may win; the other gets 409 naming the state the winner left,
and the history records one step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.docking import service as docking_service
from matchmaking.models import DockingEvent, Organization
from tests.conftest import make_user
from tests.docking.conftest import World, notifications_of, request

pytestmark = [
    pytest.mark.postgres,
    # Two requests in two threads need two connections that see each other's commits.
    pytest.mark.commits,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]


@pytest.fixture
def both_load_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Once armed, the next two loads of a docking wait for each other before going on.

    Arm it just before sending the two requests: their first loads (in ``act``) then
    both read the docking before either request writes.
    """
    barrier = threading.Barrier(2, timeout=60)
    original = docking_service._load
    lock = threading.Lock()
    waiting = {"left": 0}

    def load(session: Session, docking_id: int) -> Any:
        loaded = original(session, docking_id)
        with lock:
            hold = waiting["left"] > 0
            waiting["left"] -= 1 if hold else 0
        if hold:
            barrier.wait()
        return loaded

    def arm() -> None:
        waiting["left"] = 2

    monkeypatch.setattr(docking_service, "_load", load)
    yield arm
    barrier.abort()


def second_university_user(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> TestClient:
    with factory() as session:
        uni = session.scalars(select(Organization).where(Organization.name == "同济大学")).one()
    return make_client(make_user(factory, "gaoxiao2", "university", org_id=uni.id))


def run_together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result(timeout=120) for f in futures]


def steps_of(factory: sessionmaker[Session], docking_id: int) -> list[str]:
    with factory() as session:
        stmt = (
            select(DockingEvent.action)
            .where(DockingEvent.docking_id == docking_id)
            .order_by(DockingEvent.id)
        )
        return list(session.scalars(stmt))


def start(world: World) -> int:
    created = request(world, world.ent)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_two_simultaneous_accepts_one_wins_the_other_gets_409(
    world: World,
    factory: sessionmaker[Session],
    make_client: Callable[..., TestClient],
    both_load_first: Callable[[], None],
) -> None:
    # Given a request, and two users of the university each pressing 接受 at once
    docking_id = start(world)
    colleague = second_university_user(factory, make_client)
    url = f"/api/v1/dockings/{docking_id}/accept"

    # When both requests have read it as 已申请 before either writes
    both_load_first()
    results = run_together(
        [lambda: world.uni.post(url, json={}), lambda: colleague.post(url, json={})]
    )

    # Then one is accepted, the other refused with the state it is in now
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert "已接受" in loser.json()["message"]
    assert steps_of(factory, docking_id) == ["requested", "accepted"]
    # The enterprise is told once, of the winner's step.
    told = notifications_of(factory, "qiye")
    assert len(told) == 1
    assert "接受对接" in told[0].text


def test_simultaneous_accept_and_decline_keep_one_outcome(
    world: World,
    factory: sessionmaker[Session],
    make_client: Callable[..., TestClient],
    both_load_first: Callable[[], None],
) -> None:
    # Given a request; one university user accepts while a colleague declines
    docking_id = start(world)
    colleague = second_university_user(factory, make_client)
    base = f"/api/v1/dockings/{docking_id}"

    both_load_first()
    results = run_together(
        [
            lambda: world.uni.post(f"{base}/accept", json={}),
            lambda: colleague.post(f"{base}/decline", json={"reason": "方向不对口"}),
        ]
    )

    # Exactly one outcome stands, and the page shows that one
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 409).json()
    assert winner["status_label"] in loser["message"]
    shown = world.ent.get(base).json()
    assert shown["status"] == winner["status"]
    assert steps_of(factory, docking_id) == ["requested", winner["status"]]
