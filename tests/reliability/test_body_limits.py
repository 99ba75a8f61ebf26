"""Request bodies are refused (413, in Chinese) before they are read: by the declared
Content-Length, and by counting the bytes of a body sent without one."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

MB = 1024 * 1024
CHUNK = 64 * 1024


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * CHUNK
        sent += CHUNK


def _raw_post(app: ASGIApp, path: str, total: int, *, declare: bool) -> tuple[int, int, bytes]:
    """POST ``total`` bytes of JSON whitespace at the ASGI level, fed lazily; returns the
    status, how many body bytes the server pulled, and the answer's body."""
    pulled = 0
    answer: dict[str, object] = {"status": 0, "body": b""}
    body = _chunks(total)
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if declare:
        headers.append((b"content-length", str(total).encode()))
    else:
        headers.append((b"transfer-encoding", b"chunked"))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }  # fmt: skip

    async def receive() -> Message:
        nonlocal pulled
        chunk = next(body, None)
        if chunk is None:
            await anyio.sleep_forever()
        pulled += len(chunk or b"")
        return {"type": "http.request", "body": chunk, "more_body": pulled < total}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = bytes(answer["body"]) + message.get("body", b"")  # type: ignore[arg-type]

    async def run() -> None:
        with anyio.move_on_after(60):
            await app(scope, receive, send)

    # A thread of its own: Playwright's sync API (the browser tests, earlier in the same
    # run) keeps an event loop running in the main thread, and anyio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, run).result()
    return int(answer["status"]), pulled, bytes(answer["body"])  # type: ignore[call-overload]


def test_a_declared_huge_json_body_is_refused_unread(anon_client: TestClient) -> None:
    status, pulled, body = _raw_post(anon_client.app, "/api/v1/needs", 300 * MB, declare=True)

    assert status == 413
    assert pulled == 0
    assert "请求内容过大" in body.decode()


def test_a_chunked_body_is_cut_off_at_the_cap(anon_client: TestClient) -> None:
    status, pulled, body = _raw_post(anon_client.app, "/api/v1/needs", 8 * MB, declare=False)

    assert status == 413
    assert pulled <= 1 * MB + CHUNK
    assert "请求内容过大" in body.decode()


def test_a_page_form_is_refused_too(anon_client: TestClient) -> None:
    answer = anon_client.post("/login", content=b"x" * (3 * MB))

    assert answer.status_code == 413
    assert "请求内容过大" in answer.text


def test_an_upload_may_be_larger_than_a_form(anon_client: TestClient) -> None:
    status, pulled, _ = _raw_post(anon_client.app, "/transfer/upload/needs", 3 * MB, declare=True)

    assert status != 413


def test_an_upload_past_its_limit_is_refused_unread(anon_client: TestClient) -> None:
    status, pulled, body = _raw_post(
        anon_client.app, "/transfer/upload/needs", 300 * MB, declare=True
    )

    assert status == 413
    assert pulled == 0
    assert "MB" in body.decode()
