"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from embeddings.encoders import Encoder
from matchmaking import jobs
from matchmaking.config import Settings, get_settings
from matchmaking.db import get_sessionmaker
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_encoder, get_tokenizer, limit_compute_threads
from web import errors, pages
from web.api import router as api_router
from web.middleware import ATTACHMENT_UPLOADS, BodyLimit, SecurityHeaders
from web.params import bounded_numbers

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
SWAGGER_UI = "/static/vendor/swagger-ui"  # swagger-ui-dist, see its README.md
# Keyword arguments for uvicorn wherever it serves this app: no "server: uvicorn" header.
SERVER_OPTIONS: dict[str, Any] = {"server_header": False}


class Maintenance(threading.Thread):
    """Keeps this process's indexes in step between requests and writes snapshots."""

    def __init__(self, manager: IndexManager, interval: float = 1.0) -> None:
        super().__init__(name="index-maintenance", daemon=True)
        self.manager, self.interval = manager, interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.manager.maintain()
            except Exception:
                log.exception("index maintenance failed; retrying in %.0fs", self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    encoder: Encoder | None = None,
    dispatcher: Callable[[str, tuple[Any, ...]], None] | None = None,
    maintenance_interval: float = 1.0,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        factory = session_factory or get_sessionmaker()
        if dispatcher is not None:
            jobs.set_dispatcher(dispatcher)
        else:
            from workers.celery_app import install_dispatcher

            install_dispatcher()
        limit_compute_threads(settings.compute_threads)
        manager = IndexManager(settings, factory, encoder or get_encoder(settings), get_tokenizer())
        manager.load_all()
        # The loaded indexes are millions of long-lived objects (token lists); frozen,
        # the garbage collector stops walking them in its full collections, which
        # otherwise showed up as stalls of every request in flight. Collect first, so
        # that no garbage of the loading is frozen with them.
        gc.collect()
        gc.freeze()
        app.state.session_factory = factory
        app.state.index_manager = manager
        app.state.settings = settings
        worker = Maintenance(manager, maintenance_interval)
        worker.start()
        try:
            yield
        finally:
            worker.stop()
            manager.snapshot_all()

    app = FastAPI(
        title="产学研对接平台 API",
        version="0.1.0",
        description="技术需求、科技成果与专家的智能匹配。Recommendations carry the fused, "
        "semantic and BM25 scores and the key terms both texts share.",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their scripts from a CDN and stay blank
        # without internet; /docs is served below from the vendored Swagger UI.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(bounded_numbers)],
    )
    # A signed cookie (itsdangerous): HttpOnly always, SameSite=Lax, Secure behind TLS.
    # The idle timeout is enforced per request (web.deps); max_age bounds its life.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="mm_session",
        same_site="lax",
        https_only=settings.cookie_secure,
        max_age=14 * 24 * 3600,
    )
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        # An attachment of up to the cap plus its multipart framing; the upload itself
        # stops reading at the cap (matchmaking/attachments/storage.py).
        path_limits=((ATTACHMENT_UPLOADS, settings.attachment_max_bytes + 64 * 1024),),
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.include_router(api_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _self_hosted_docs(app)
    return app


def _self_hosted_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the app's own static files (works offline)."""

    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or ""),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER_UI}/favicon-32x32.png",
            oauth2_redirect_url=None,
        )

    app.add_route("/docs", swagger_ui_html, include_in_schema=False)
