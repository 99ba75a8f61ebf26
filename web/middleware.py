"""Pure ASGI middleware: protections that apply to every answer, whatever route (or
no route) produced it."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages and the API: everything from this origin, nothing inline (the pages' scripts and
# styles are static files), no framing, forms post only here.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (vendored, served from /static) is a page FastAPI writes with an inline
# bootstrap script; it holds no user data and carries no session-changing forms.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs",)
# Where files are uploaded to agreements and contracts (pages and API): their own limit.
ATTACHMENT_UPLOADS = re.compile(r"(/api/v1)?/(agreements|contracts)/[^/]+/attachments/?")

_COMMON = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds CSP, X-Frame-Options, X-Content-Type-Options and Referrer-Policy to every
    HTTP answer (errors and static files included), and drops any ``server`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY
        added = [(b"content-security-policy", policy.encode()), *_COMMON]
        names = {name for name, _ in added} | {b"server"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + added
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body past its limit before the application reads it: by the
    declared Content-Length (413 without reading a byte) and, for a body sent without
    one, by counting the bytes as they arrive (cut off at the limit). Uploads (paths
    under ``upload_prefixes``) get ``upload_limit``; everything else, forms and JSON,
    ``limit``; paths matching one of ``path_limits`` the limit given with it (attachment
    uploads: their own cap). An anonymous 300 MB JSON used to be read whole before its 401."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        upload_limit: int,
        upload_prefixes: tuple[str, ...] = ("/transfer/upload/",),
        path_limits: tuple[tuple[re.Pattern[str], int], ...] = (),
    ) -> None:
        self.app = app
        self.limit, self.upload_limit, self.upload_prefixes = limit, upload_limit, upload_prefixes
        self.path_limits = path_limits

    def _limit(self, path: str) -> int:
        if path.startswith(self.upload_prefixes):
            return self.upload_limit
        for pattern, limit in self.path_limits:
            if pattern.fullmatch(path):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self._limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return

        received = 0
        answered = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        answered = True
                        await _too_large(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 went out; the application's answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Reading the cut-off body raised in the application (a disconnect): the
            # client has its 413 already.
            if not answered:
                raise


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    megabytes = max(1, limit // (1024 * 1024))
    message = f"请求内容过大：不能超过 {megabytes} MB"
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"message": message}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请求内容过大</title>'
            f'<p>{message}。<a href="/">回到首页</a></p></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        # The rest of the body is not read: this connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
