"""Meeting requests under real concurrency (PostgreSQL, two requests at the same moment).

A barrier holds each request right after it has read what it acts on until the other has
read it too, so both act on the same state: two answers to one request (one wins, the
other gets a Chinese 409), and two requests of one pair sent both ways (one is sent, the
other is told to answer it instead).
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

from matchmaking.accounts.service import principal_for
from matchmaking.enums import Role
from matchmaking.events import requests
from matchmaking.events import service as events
from matchmaking.events.requests import MeetingRequestSend
from matchmaking.events.schemas import RegistrationInput
from matchmaking.models import MeetingRequest
from tests.factories import make_event, make_token, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.commits,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]


@pytest.fixture
def both_read_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Arm with the name of a function of ``requests``: the next two calls wait for each
    other right after it returns."""
    barrier = threading.Barrier(2, timeout=60)

    def arm(name: str) -> None:
        original = getattr(requests, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            found = original(*args, **kwargs)
            barrier.wait()
            return found

        monkeypatch.setattr(requests, name, held)

    yield arm
    barrier.abort()


def _together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result(timeout=120) for f in futures]


def _world(factory: sessionmaker[Session]) -> dict[str, Any]:
    with factory() as session:
        event = make_event(session)
        ent = make_user(session, role=Role.ENTERPRISE)
        uni = make_user(session, role=Role.UNIVERSITY)
        colleague = make_user(session, role=Role.UNIVERSITY, org_id=uni.org_id)
        reg_e = events.register(session, principal_for(ent), event.id, RegistrationInput())
        reg_u = events.register(session, principal_for(uni), event.id, RegistrationInput())
        out = {
            "event": event.id,
            "reg_e": reg_e.id,
            "reg_u": reg_u.id,
            "ent": principal_for(ent),
            "tokens": {
                name: make_token(session, user)
                for name, user in (("ent", ent), ("uni", uni), ("colleague", colleague))
            },
        }
        session.commit()
    return out


def test_two_answers_at_once_one_wins_and_the_other_gets_409(
    factory: sessionmaker[Session],
    make_client: Callable[..., TestClient],
    both_read_first: Callable[[str], None],
) -> None:
    w = _world(factory)
    with factory() as session:
        made = requests.send(session, w["ent"], w["event"], MeetingRequestSend(to_id=w["reg_u"]))
        request_id = made.id
        session.commit()
    uni, colleague = make_client(w["tokens"]["uni"]), make_client(w["tokens"]["colleague"])
    url = f"/api/v1/events/{w['event']}/requests/{request_id}/answer"

    both_read_first("_mine")
    results = _together(
        [
            lambda: uni.post(url, json={"accept": True}),
            lambda: colleague.post(url, json={"accept": False, "reason": "时间冲突"}),
        ]
    )

    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text[:200] for r in results]
    loser = next(r for r in results if r.status_code == 409)
    winner = next(r for r in results if r.status_code == 200).json()
    assert f"该约见请求当前状态为“{winner['status_label']}”" in str(loser.json())
    with factory() as session:
        row = session.get(MeetingRequest, request_id)
        assert row is not None
        assert row.status.value == winner["status"]


def test_two_requests_of_one_pair_sent_both_ways_at_once_leave_one(
    factory: sessionmaker[Session],
    make_client: Callable[..., TestClient],
    both_read_first: Callable[[str], None],
) -> None:
    w = _world(factory)
    ent, uni = make_client(w["tokens"]["ent"]), make_client(w["tokens"]["uni"])
    url = f"/api/v1/events/{w['event']}/requests"

    both_read_first("_me")
    results = _together(
        [
            lambda: ent.post(url, json={"to_id": w["reg_u"]}),
            lambda: uni.post(url, json={"to_id": w["reg_e"]}),
        ]
    )

    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.text[:200] for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert "对方已向您发起约见，请直接答复" in str(loser.json())
    with factory() as session:
        rows = session.scalars(
            select(MeetingRequest).where(MeetingRequest.event_id == w["event"])
        ).all()
    assert len(rows) == 1
