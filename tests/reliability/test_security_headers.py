"""Every answer carries the browser protections (CSP, framing, sniffing, referrer), the
pages need no inline script or style to work under that CSP, and the server does not
name its software."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"


def _assert_protected(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") == "same-origin"


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/v1/needs", "/api/v1/needs/1", "/static/app.css", "/nowhere"]
)
@SQLITE
def test_every_answer_carries_the_protections(anon_client: TestClient, path: str) -> None:
    response = anon_client.get(path)

    _assert_protected(response)


@SQLITE
def test_the_page_csp_allows_no_inline_script_or_style(anon_client: TestClient) -> None:
    csp = anon_client.get("/").headers["content-security-policy"]

    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in csp


@SQLITE
def test_the_api_documentation_still_loads_under_its_own_policy(anon_client: TestClient) -> None:
    response = anon_client.get("/docs")

    assert response.status_code == 200
    _assert_protected(response)


def test_no_template_relies_on_inline_script_or_style() -> None:
    # Under the CSP above the browser would silently skip them (a confirm dialog that
    # never shows, a page without its layout).
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|javascript:|\sstyle\s*=", re.I
    )
    found = [
        f"{path.relative_to(TEMPLATES)}: {m.group()}"
        for path in TEMPLATES.rglob("*.html")
        for m in inline.finditer(path.read_text(encoding="utf-8"))
    ]

    assert found == []


@pytest.fixture
def served() -> Iterator[str]:
    from web.app import SERVER_OPTIONS

    app = FastAPI()

    @app.get("/")
    def root() -> dict[str, str]:
        return {}

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **SERVER_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    while not ready.wait(0.05):
        if server.started:
            ready.set()
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_server_does_not_name_its_software(served: str) -> None:
    response = httpx.get(served + "/")

    assert response.status_code == 200
    assert "server" not in response.headers
