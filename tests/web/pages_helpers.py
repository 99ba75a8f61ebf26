"""Driving the pages as a person would: cookies, the CSRF field, forms."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def csrf(client: TestClient, url: str = "/login") -> str:
    """The CSRF token of this client's session, read from a page's form."""
    response = client.get(url)
    field = soup(response.text).select_one("input[name=csrf_token]")
    assert field is not None, f"no csrf_token field on {url}"
    return str(field["value"])


def post_form(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a form with this session's CSRF token (fetched from the login page)."""
    token = csrf(client)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def login(client: TestClient, username: str, password: str = "correct-horse-battery") -> None:
    """Log in through the form; the client keeps the session cookie."""
    response = post_form(
        client,
        "/login",
        {"username": username, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
