"""One place that turns errors into answers a person can act on (in Chinese).

The JSON API gets ``{"message", "detail"}``; pages get an error page, and a page
that needs a login redirects to it (then back).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from matchmaking.common.validation import validation_details
from matchmaking.db import is_locked
from matchmaking.exceptions import MatchmakingError, Unauthorized

log = logging.getLogger(__name__)

SERVER_ERROR = "服务器内部错误，请稍后重试；如果一再出现，请联系科技局"
BUSY = "系统正忙（其他人正在保存大量数据），您的修改没有保存，请稍等片刻后重试"
BUSY_RETRY_AFTER_S = 10
HTTP_MESSAGES = {
    400: "请求格式有误，无法解析（如不是有效的 JSON）",
    404: "页面不存在",
    405: "不支持的请求方式",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, message: str) -> Response:
    from web.pages.common import render_page

    return render_page(request, "errors/error.html", {"status": status, "message": message}, status)


def install(app: FastAPI) -> None:
    @app.exception_handler(MatchmakingError)
    async def _business(request: Request, exc: MatchmakingError) -> Response:
        if not _is_api(request):
            if isinstance(exc, Unauthorized) and request.method == "GET":
                from web.pages.common import login_url

                return RedirectResponse(login_url(request), status_code=303)
            return _page(request, exc.status_code, exc.message)
        body: dict[str, Any] = {"message": exc.message}
        if exc.field:
            body["detail"] = [{"field": exc.field, "message": exc.message}]
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = validation_details(exc.errors())
        message = "；".join(d["message"] for d in details)
        if not _is_api(request):
            return _page(request, 422, f"输入有误：{message}")
        return JSONResponse({"message": f"输入有误：{message}", "detail": details}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> Response:
        # The write lock stayed taken through the busy timeout and the retries
        # (begin_write): nothing was written; the client may simply try again.
        if not is_locked(exc):
            return await _server_error(request, exc)
        log.warning("%s %s: database still locked after retries", request.method, request.url.path)
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
        if _is_api(request):
            return JSONResponse({"message": BUSY}, status_code=503, headers=headers)
        try:
            response = _page(request, 503, BUSY)
        except Exception:  # the page itself may need the database
            response = Response(BUSY, status_code=503, media_type="text/plain; charset=utf-8")
        response.headers.update(headers)
        return response

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Starlette re-raises after this answer and the server then drops the
        # connection: say so, or a keep-alive client finds it closed under its next request.
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        headers = {"Connection": "close"}
        if _is_api(request):
            return JSONResponse({"message": SERVER_ERROR}, status_code=500, headers=headers)
        try:
            response = _page(request, 500, SERVER_ERROR)
        except Exception:  # the page itself may need what just failed
            log.exception("the error page failed too")
            response = Response(SERVER_ERROR, status_code=500, media_type="text/plain")
        response.headers["Connection"] = "close"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        if not _is_api(request):
            return _page(request, exc.status_code, message)
        return JSONResponse({"message": message}, status_code=exc.status_code)
