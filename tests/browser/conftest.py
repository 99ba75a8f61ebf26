"""Browser tests: the demo platform served by a real process, driven by headless Chromium.

One ``matchmaking demo`` process per session (embedded mode: SQLite and a
filesystem broker in a temporary data directory, its own Celery worker), loaded
from data/demo/ with the committed vector cache. Playwright's sync API drives
Debian's Chromium through its executable path; no browser is downloaded.

Every test in this directory is marked ``e2e`` and ``browser``. Each test gets a
fresh browser context (no cookies), with the live server as its base URL. Pages
must work without internet: any request to another host is aborted and fails
the test, and so does an uncaught JavaScript error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from tests.browser.helpers import save_failure
from tests.support.processes import free_port, start, stop, wait_for_http

HERE = Path(__file__).resolve().parent
# Without the background-networking flags Chromium keeps dialling Google services,
# which the closed network refuses; the sandbox needs privileges this machine lacks.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium's own widgets (file picker, date field) in Chinese, as users see them.
    "--lang=zh-CN",
]
# Loading the demo takes about 6 s (vectors from the cache); the rest is slack for
# a machine whose 2 cores are shared.
STARTUP_TIMEOUT = 180


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path
    log: Path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.browser)


# The call phase's report, read by the page fixture at teardown to save failure artifacts.
CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`matchmaking demo` on a free port of 127.0.0.1, with a throwaway data directory."""
    work = tmp_path_factory.mktemp("live")
    data_dir, log = work / "var", work / "demo.log"
    port = free_port()
    env = {
        "MATCHMAKING_MODE": "embedded",
        "MATCHMAKING_DATA_DIR": str(data_dir),
        # Empty wins over a developer's .env: SQLite and the filesystem broker in data_dir.
        "MATCHMAKING_DATABASE_URL": "",
        "MATCHMAKING_BROKER_URL": "",
    }
    cmd = [sys.executable, "-m", "cli", "demo", "--host", "127.0.0.1"]
    server = start([*cmd, "--port", str(port)], env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(server, f"{url}/api/v1/status", log, STARTUP_TIMEOUT, "matchmaking demo")
        yield LiveServer(url=url, data_dir=data_dir, log=log)
    finally:
        stop(server)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    wanted = os.environ.get("MATCHMAKING_CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(wanted)
    if found is None:
        pytest.fail(
            f"Chromium not found at {wanted!r}: run `make browser` to install Debian's "
            "chromium, or set MATCHMAKING_CHROMIUM to its executable.",
            pytrace=False,
        )
    if (
        shutil.which("fc-list")
        and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
    ):
        warnings.warn(
            "no Chinese font installed: the screenshots will show boxes instead of "
            "characters (apt-get install fonts-noto-cjk)",
            stacklevel=1,
        )
    return found


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium per session; launch() gives it a fresh temporary profile."""
    browser = playwright.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh context per test (its own cookies), relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(
    context: BrowserContext, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    page = context.new_page()
    own_host = urlsplit(live_server.url).netloc
    outside: list[str] = []
    errors: list[str] = []

    def only_local(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).netloc == own_host:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = request.node.stash.get(CALL_REPORT, None)
    if report is not None and report.failed and not page.is_closed():
        saved = save_failure(page, request.node.nodeid, live_server.log)
        print(f"\nfailure artifacts: {', '.join(str(p) for p in saved)}")  # noqa: T201
    assert not outside, f"the page requested other hosts (must work offline): {outside}"
    assert not errors, f"uncaught JavaScript errors on the page: {errors}"
