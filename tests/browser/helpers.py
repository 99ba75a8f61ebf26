"""Helpers for the browser tests: screenshots, failure artifacts, logging in."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.support.processes import ROOT

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
FAILURES = ARTIFACTS / "failures"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "page"


def shot(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_safe(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def save_failure(page: Page, test_id: str, server_log: Path) -> list[Path]:
    """Screenshot and HTML of the page a failed test left, and the server's log so far."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    name = _safe(test_id.split("/")[-1])
    png, html, log = (FAILURES / f"{name}.{ext}" for ext in ("png", "html", "server.log"))
    page.screenshot(path=str(png), full_page=True)
    html.write_text(page.content(), encoding="utf-8")
    shutil.copyfile(server_log, log)  # the traceback of a 500 is there
    return [png, html, log]


def login(page: Page, username: str, password: str) -> None:
    """Log in through the form at /login as a user would, and wait for the next page."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    form = page.locator("form", has=page.locator("input[name=password]"))
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit], button:not([type])").first.click()


def reload_until(page: Page, locator: Locator, timeout: float, what: str) -> None:
    """Reload ``page`` until ``locator`` is visible: for what a background job produces.

    Each look waits a little (the page may still be rendering); the whole wait is bounded.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator.first).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not shown after {timeout:.0f}s of reloading: {what}"
                ) from None
            page.reload()


def wait_for_embedding(page: Page, kind: str, item_id: int, timeout: float) -> None:
    """Poll the JSON API, with this page's session cookie, until the worker stored the vector."""
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        response = page.request.get(f"/api/v1/{kind}/{item_id}")
        assert response.ok, f"GET /api/v1/{kind}/{item_id}: {response.status}"
        status = response.json()["embedding_status"]
        assert status != "failed", f"the worker failed to embed {kind} {item_id}"
        if status == "ready":
            return
        page.wait_for_timeout(250)  # between two polls, not a wait for a result
    raise AssertionError(f"{kind} {item_id} still {status!r} after {timeout:.0f}s")
