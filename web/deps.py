"""Request dependencies: the request owns the transaction; who is asking; CSRF."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from functools import partial
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import ANONYMOUS, Principal
from matchmaking.common.filters import ItemFilters
from matchmaking.db import session_scope, try_write
from matchmaking.enums import CooperationMode, IndustryField, Maturity
from matchmaking.exceptions import Forbidden, Unauthorized
from matchmaking.matching.indexes import IndexManager
from web.params import PageNumber

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the endpoint returns, roll back when it raises.

    A POST/PUT/PATCH/DELETE is a unit of work that writes: on SQLite it takes the
    write lock first and waits for the worker instead of failing mid-request.
    """
    with session_scope(request.app.state.session_factory, write=_writes(request)) as session:
        yield session


def _writes(request: Request) -> bool:
    """The request's session holds the write lock from its start."""
    if getattr(request.state, "writes", False):
        return True
    return request.method in UNSAFE_METHODS and not getattr(request.state, "read_first", False)


async def read_first(request: Request) -> None:
    """Route dependency: the request reads (an upload) before it writes.

    Its session starts as a reader; the service takes the write lock once the file
    is parsed (``begin_write_after_reading``), so parsing never blocks other writers.
    """
    request.state.read_first = True


ReadFirst = Depends(read_first)


async def writes(request: Request) -> None:
    """Route dependency: a GET that writes (marks notifications read, counts a click).

    On SQLite a read transaction that later writes fails at once ("database is
    locked") when another process (the worker) committed since its first read; such a
    GET takes the write lock from its start, as a POST does, and waits its turn.
    """
    request.state.writes = True


Writes = Depends(writes)


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` one in
# the thread pool, and each such hop (queue, thread wake-up, GIL hand-over) cost more
# than the dependency itself on every request.
async def get_index_manager(request: Request) -> IndexManager:
    manager: IndexManager = request.app.state.index_manager
    return manager


# scope="function": commit before the response is sent, so a client that got
# 201 can read the row at once, and a failed commit is an error, not a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
IndexDep = Annotated[IndexManager, Depends(get_index_manager)]


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use); forms carry it in a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def _csrf_matches(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and sent and secrets.compare_digest(str(expected), sent))


def _session_user(request: Request, session: Session) -> Principal:
    """The user of the signed session cookie, logged out after the idle timeout."""
    uid = request.session.get("uid")
    if uid is None:
        return ANONYMOUS
    settings = request.app.state.settings
    now = time.time()
    seen = float(request.session.get("seen", 0))
    if now - seen > settings.session_idle_minutes * 60:
        request.session.pop("uid", None)
        # Shown once on the next page (the login form the visitor is sent to).
        request.session.setdefault("flash", []).append(["warn", "登录已超时，请重新登录。"])
        return ANONYMOUS
    found = accounts.session_user(session, int(uid))
    # A cookie from before the user's last logout or password change: ended.
    if found is None or found[0].session_epoch != int(request.session.get("epoch", 0)):
        request.session.pop("uid", None)
        return ANONYMOUS
    user, unread = found
    # Read with the user (no query of its own): the page header shows it.
    request.state.unread = unread
    request.session["seen"] = now
    return accounts.principal_for(user)


class TokenTouches:
    """Which tokens this process is recording as used: one request per token at a time
    writes the last-used time, the others (forty reads at once) do not even try."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[int] = set()

    def claim(self, token_id: int) -> bool:
        with self._lock:
            if token_id in self._busy:
                return False
            self._busy.add(token_id)
            return True

    def release(self, token_id: int) -> None:
        with self._lock:
            self._busy.discard(token_id)


_TOUCHES = TokenTouches()


def _token_user(request: Request, session: Session, token: str) -> Principal:
    use = accounts.user_for_token(session, token)
    if use is None:
        raise Unauthorized("API 令牌无效或已撤销，请在“账号”页面重新生成")
    if use.touch_due and _writes(request):
        # The request holds the write lock already: one more row in its transaction.
        accounts.touch_token(session, use.token_id)
    elif use.touch_due and _TOUCHES.claim(use.token_id):
        # Its own short unit of work, never the request's: a read stays a read, and
        # when another writer holds the lock the timestamp waits for a later request.
        try:
            try_write(
                request.app.state.session_factory,
                partial(accounts.touch_token, token_id=use.token_id),
            )
        finally:
            _TOUCHES.release(use.token_id)
    return accounts.principal_for(use.user)


async def get_principal(request: Request, session: SessionDep) -> Principal:
    """Who is asking: an API token (Authorization: Bearer) or the session cookie.

    A cookie-authenticated change to the JSON API must carry the CSRF token in the
    X-CSRF-Token header; token-authenticated calls cannot be forged by a browser.
    The database is read in the thread pool, and only when there is someone to look
    up: an anonymous request never leaves the event loop here.
    """
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return await run_in_threadpool(_token_user, request, session, auth[7:].strip())
    if request.session.get("uid") is None:
        principal = ANONYMOUS
    else:
        principal = await run_in_threadpool(_session_user, request, session)
    if (
        principal.is_authenticated
        and request.method in UNSAFE_METHODS
        and request.url.path.startswith("/api/")
        and not _csrf_matches(request, request.headers.get(CSRF_HEADER))
    ):
        raise Forbidden("缺少或错误的 CSRF 令牌：请在请求头 X-CSRF-Token 中携带页面提供的令牌")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def login_for_changes(request: Request, principal: PrincipalDep) -> None:
    """Every change through the JSON API needs a login: 401 before the body is even read."""
    if request.method in UNSAFE_METHODS and not principal.is_authenticated:
        raise Unauthorized("请先登录：修改数据需要 API 令牌（Authorization: Bearer …）")


async def csrf_protect(request: Request) -> None:
    """Every form post of the pages carries this session's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not _csrf_matches(request, sent):
        raise Forbidden("页面已过期或来源无效（CSRF 校验失败），请刷新页面后重试")


async def item_filters(
    industry_field: Annotated[IndustryField | None, Query(description="行业领域")] = None,
    town: Annotated[str | None, Query(description="所在区镇")] = None,
    district: Annotated[str | None, Query(description="所在区县")] = None,
    maturity: Annotated[Maturity | None, Query(description="成熟度（仅科技成果）")] = None,
    cooperation_mode: Annotated[CooperationMode | None, Query(description="合作方式")] = None,
) -> ItemFilters:
    return ItemFilters(
        industry_field=industry_field,
        town=town,
        district=district,
        maturity=maturity,
        cooperation_mode=cooperation_mode,
    )


FiltersDep = Annotated[ItemFilters, Depends(item_filters)]
Page = PageNumber
PageSize = Annotated[int, Query(ge=1, le=100, description="每页条数")]
