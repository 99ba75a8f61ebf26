"""Defect 12: the login limits hold behind the proxy and do not lock out the owner.

The client address is the right-most one that is not a trusted proxy: a forged
X-Forwarded-For cannot spread an attacker over many addresses. Wrong passwords lock
an account for the address they came from; its owner, elsewhere, still gets in (up
to a higher ceiling over all addresses) and is told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.models import Notification, User
from matchmaking.notifications.render import render
from tests.conftest import InlineDispatcher, make_user
from tests.web.pages_helpers import csrf

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"
PROXY = "10.0.0.2"
PASSWORD = "correct-horse-battery"
# Failed logins from one address before it is refused (more than one account allows).
PER_IP = 6
Browser = Callable[..., TestClient]


@pytest.fixture
def behind_proxy(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    dispatcher: InlineDispatcher,
) -> Iterator[Browser]:
    """Clients of the app as ``matchmaking serve`` runs it: uvicorn's proxy-headers
    middleware trusting the configured proxy, and the client connecting from ``peer``."""
    from web.app import create_app

    settings = settings.model_copy(
        update={"forwarded_allow_ips": PROXY, "login_max_failures_per_ip": PER_IP}
    )
    app = create_app(
        settings, session_factory=factory, encoder=encoder, dispatcher=dispatcher,
        maintenance_interval=3600.0,
    )  # fmt: skip
    served = ProxyHeadersMiddleware(app, trusted_hosts=settings.forwarded_allow_ips)
    opened: list[TestClient] = []

    def make(peer: str, forwarded_for: str | None = None) -> TestClient:
        client = TestClient(served, client=(peer, 50000))
        if forwarded_for is not None:
            client.headers["X-Forwarded-For"] = forwarded_for
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    return response.status_code, response.text


@SQLITE
def test_a_forged_forwarded_for_does_not_escape_the_limit_per_address(
    behind_proxy: Browser, factory: sessionmaker[Session]
) -> None:
    for n in range(PER_IP):
        make_user(factory, f"user{n}", "admin")
    attacker = "203.0.113.9"
    # Each try claims another origin; the proxy appends the address it saw.
    for n in range(PER_IP):
        forged = behind_proxy(PROXY, f"198.51.100.{n}, {attacker}")
        assert _login(forged, f"user{n}", "wrong-password-1")[0] == 400

    status, text = _login(behind_proxy(PROXY, f"198.51.100.99, {attacker}"), "user0", PASSWORD)

    assert status == 429
    assert "此网络地址登录失败次数过多" in text
    # Someone else behind the same proxy is not affected.
    assert _login(behind_proxy(PROXY, "192.0.2.7"), "user1", PASSWORD)[0] == 303


@SQLITE
def test_a_client_that_is_not_the_proxy_cannot_name_its_address(
    behind_proxy: Browser, factory: sessionmaker[Session]
) -> None:
    for n in range(PER_IP):
        make_user(factory, f"user{n}", "admin")
    for n in range(PER_IP):
        direct = behind_proxy("203.0.113.9", f"198.51.100.{n}")
        assert _login(direct, f"user{n}", "wrong-password-1")[0] == 400

    status, _text = _login(behind_proxy("203.0.113.9", "198.51.100.99"), "user0", PASSWORD)

    assert status == 429


def test_trusting_every_sender_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Settings(data_dir=tmp_path, forwarded_allow_ips="*")


def test_compose_trusts_only_its_proxy_network() -> None:
    found = re.search(r"MATCHMAKING_FORWARDED_ALLOW_IPS:-([^}]*)\}", COMPOSE.read_text())
    assert found is not None
    default = found.group(1)

    assert "*" not in default
    Settings(forwarded_allow_ips=default)  # a valid list of addresses and networks


@SQLITE
def test_wrong_passwords_lock_the_account_only_where_they_came_from(
    behind_proxy: Browser, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "liwei", "admin")
    guesser = "203.0.113.9"
    for _ in range(5):
        assert _login(behind_proxy(guesser), "liwei", "wrong-password-1")[0] == 400

    status, text = _login(behind_proxy(guesser), "liwei", PASSWORD)
    assert status == 429
    assert "该账号登录失败次数过多" in text
    # The owner, at the office, still gets in.
    assert _login(behind_proxy("192.0.2.7"), "liwei", PASSWORD)[0] == 303
    # ...and is told that someone tried.
    with factory() as session:
        owner = session.scalar(select(User.id).where(User.username == "liwei"))
        notes = session.scalars(select(Notification).where(Notification.user_id == owner)).all()
    assert len(notes) == 1
    text = render(notes[0].kind, notes[0].payload)
    assert guesser in text
    assert "修改密码" in text


@SQLITE
def test_an_account_attacked_from_many_addresses_is_locked_everywhere(
    behind_proxy: Browser, factory: sessionmaker[Session], settings: Settings
) -> None:
    make_user(factory, "liwei", "admin")
    ceiling = settings.login_max_failures_per_account_all_ips
    for n in range(ceiling):
        assert _login(behind_proxy(f"203.0.113.{n}"), "liwei", "wrong-password-1")[0] == 400

    status, text = _login(behind_proxy("192.0.2.7"), "liwei", PASSWORD)

    assert status == 429
    assert "该账号登录失败次数过多" in text
