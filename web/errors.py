"""One place that turns errors into answers a person can act on (in Chinese)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from matchmaking.common.validation import validation_details
from matchmaking.exceptions import MatchmakingError


def install(app: FastAPI) -> None:
    @app.exception_handler(MatchmakingError)
    async def _business(_: Request, exc: MatchmakingError) -> JSONResponse:
        body: dict[str, Any] = {"message": exc.message}
        if exc.field:
            body["detail"] = [{"field": exc.field, "message": exc.message}]
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors())
        message = "；".join(d["message"] for d in details)
        return JSONResponse({"message": f"输入有误：{message}", "detail": details}, status_code=422)
