"""Defect 11: a session ends when its user says so.

Logging out ends the session even for a copy of its cookie; a password change ends
every other session and every API token of the user, and the session that changed it
goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_user
from tests.web.pages_helpers import csrf, login, post_form

COOKIE = "mm_session"


def _copy_cookie(source: TestClient, target: TestClient) -> None:
    target.cookies.set(COOKIE, source.cookies[COOKIE])


def _logged_in(client: TestClient) -> bool:
    """The account page shows (a logged-out visitor is sent to the login form)."""
    return client.get("/account", follow_redirects=False).status_code == 200


def test_a_copied_cookie_is_refused_after_logout(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> None:
    make_user(factory, "owner", "admin")
    browser, thief = make_client(), make_client()
    login(browser, "owner")
    _copy_cookie(browser, thief)
    assert thief.get("/api/v1/dockings").status_code == 200
    assert _logged_in(thief)

    post_form(browser, "/logout", {}, follow_redirects=False)

    api = thief.get("/api/v1/dockings")
    assert api.status_code == 401
    page = thief.get("/account", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


def test_a_password_change_ends_other_sessions_and_tokens(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> None:
    token = make_user(factory, "owner", "admin")
    here, elsewhere, script = make_client(), make_client(), make_client(token)
    login(here, "owner")
    login(elsewhere, "owner")
    assert script.get("/api/v1/dockings").status_code == 200

    response = here.post(
        "/account/password",
        data={
            "current": "correct-horse-battery",
            "new": "a-brand-new-passphrase",
            "new2": "a-brand-new-passphrase",
            "csrf_token": csrf(here, "/account"),
        },
    )

    assert response.status_code == 200
    assert "其他设备上的登录和全部 API 令牌已失效" in response.text
    assert _logged_in(here)
    assert here.get("/api/v1/dockings").status_code == 200
    assert not _logged_in(elsewhere)
    assert elsewhere.get("/api/v1/dockings").status_code == 401
    assert script.get("/api/v1/dockings").status_code == 401
    # The new password works from anywhere.
    login(elsewhere, "owner", "a-brand-new-passphrase")
    assert _logged_in(elsewhere)
