"""Access-matrix rows for meeting requests (约见请求) and the agenda feed, in the matrix's
world (same ``world`` and ``run_rows`` as test_access_matrix.py, which counts these rows
in its every-route check).

An open event in 三厂街道 (the 正余镇 staff member does not see it) with five registered
participants: a (ent_a), u (uni_u), b (ent_b), v (uni_v) and x (expert_u, of uni_u).
Only a request's receiver answers it and only its sender withdraws it; every other
participant is told it does not exist (404), staff that participants' requests are not
theirs (403).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.models import User
from tests.web.test_access_matrix import EVERYONE, STAFF_ALL, Row, World, roles, run_rows, world

__all__ = ["world"]

PARTICIPANTS = roles("ent_a", "uni_u", "ent_b", "uni_v", "expert_u")
STAFF = STAFF_ALL | {"staff_zy"}
KEYS = {"ent_a": "a", "uni_u": "u", "ent_b": "b", "uni_v": "v", "expert_u": "x"}
# Requests sent by the rows (a cycle: no pair is asked both ways) ...
ROW_SENDS = {
    "ent_a": "reg_u",
    "uni_u": "reg_b",
    "ent_b": "reg_v",
    "uni_v": "reg_a",
    "expert_u": "reg_a",
}
# ... and those made before the rows run, none the reverse of one above.
SETUP = {"q1": ("b", "a"), "q2": ("u", "v"), "q3": ("x", "b"), "q4": ("v", "x")}


@pytest.fixture
def requests_world(world: World, factory: sessionmaker[Session]) -> World:
    from matchmaking.accounts.service import principal_for
    from matchmaking.enums import EventAction
    from matchmaking.events import feed
    from matchmaking.events import requests as meeting_requests
    from matchmaking.events import service as events
    from matchmaking.events.requests import MeetingRequestSend
    from matchmaking.events.schemas import EventCreate, RegistrationInput, SessionCreate
    from tests.web.test_access_matrix import event_body

    with factory() as session:

        def p(name: str) -> Any:
            return principal_for(session.scalars(select(User).where(User.username == name)).one())

        event = events.create(
            session, p("staff"), EventCreate(**{**event_body("staff"), "town": "三厂街道"})
        )
        events.add_session(session, p("staff"), event.id, SessionCreate(start="09:00", tables=5))
        events.move(session, p("staff"), event.id, EventAction.OPEN)
        regs = {
            key: events.register(session, p(role), event.id, RegistrationInput())
            for role, key in KEYS.items()
        }
        by_key = {key: role for role, key in KEYS.items()}
        world.ids.update(event=event.id, **{f"reg_{k}": r.id for k, r in regs.items()})
        for name, (src, dst) in SETUP.items():
            made = meeting_requests.send(
                session, p(by_key[src]), event.id, MeetingRequestSend(to_id=regs[dst].id)
            )
            world.ids[name] = made.id
        world.ids["feed_a"] = feed.token_for(regs["a"])  # type: ignore[assignment]
        session.commit()
    return world


def _to(role: str) -> dict[str, Any]:
    return {"to_id": ROW_SENDS.get(role, "reg_a"), "message": "希望洽谈"}


def _split(method: str, path: str, receiver: str, ok: int, page: bool, **kw: Any) -> list[Row]:
    """A request's own route: its one party gets ``ok``, other participants 404, staff 403."""
    return [
        Row(method, path, roles(receiver), ok, page=page, denied_status=404, skip=STAFF, **kw),
        Row(method, path, frozenset(), page=page, skip=PARTICIPANTS, **kw),
    ]


API_ROWS: list[Row] = [
    Row("GET", "/api/v1/events/{event}/requests", PARTICIPANTS),
    Row("POST", "/api/v1/events/{event}/requests", PARTICIPANTS, ok=201, body=_to),
    *_split(
        "POST",
        "/api/v1/events/{event}/requests/{q1}/answer",
        "ent_a",
        200,
        False,
        body=lambda r: {"accept": True},
    ),
    *_split("POST", "/api/v1/events/{event}/requests/{q2}/withdraw", "uni_u", 200, False),
]

PAGE_ROWS: list[Row] = [
    # A second request of a pair is refused on the page with a message (303 back).
    Row("POST", "/events/{event}/requests", PARTICIPANTS, ok=303, page=True, body=_to),
    *_split(
        "POST",
        "/events/{event}/requests/{q3}/answer",
        "ent_b",
        303,
        True,
        body=lambda r: {"accept": "false", "reason": "时间冲突"},
    ),
    *_split("POST", "/events/{event}/requests/{q4}/withdraw", "uni_v", 303, True),
    # The calendar feed: anyone with the link, logged in or not.
    Row("GET", "/events/{event}/agenda/feed/{feed_a}.ics", EVERYONE, page=True),
]

ALL_ROWS = API_ROWS + PAGE_ROWS


def test_meeting_request_api_access(requests_world: World) -> None:
    failures = run_rows(requests_world, API_ROWS)
    assert not failures, "\n".join(failures)


def test_meeting_request_page_access(requests_world: World) -> None:
    failures = run_rows(requests_world, PAGE_ROWS)
    assert not failures, "\n".join(failures)
