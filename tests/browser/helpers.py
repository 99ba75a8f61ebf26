"""Helpers for the browser tests: screenshots, failure artifacts, logging in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import Page

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
