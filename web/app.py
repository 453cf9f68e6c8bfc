"""The FastAPI application: JSON API under /api and the Chinese pages."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from dangan.archive.context import Archive
from dangan.ingest.inbox import InboxWatcher
from dangan.ingest.worker import WorkerPool
from dangan.retention.backup_schedule import start_daily_backup
from dangan.retention.fixity import FixitySchedule
from dangan.web import (
    api,
    api_audit,
    api_ingest,
    api_jobs,
    api_journal,
    api_retention,
    api_review,
    api_search,
    api_users,
    auth,
    errors,
    pages_audit,
    pages_browse,
    pages_catalog,
    pages_checks,
    pages_dashboard,
    pages_docs,
    pages_journal,
    pages_retention,
    pages_review,
    pages_search,
    pages_transfer,
    pages_upload,
    pages_users,
)
from dangan.web.privacy import ReadJournal
from dangan.web.ratelimit import login_limiter

STATIC = Path(__file__).with_name("static")

# No inline scripts: the pages' scripts are files under /static.
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}


def create_app(arc: Archive, *, workers: int | None = 0) -> FastAPI:
    """The app; `workers` > 0 (or None: one per core) runs the pipeline beside the server."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        try:
            # The schedules run whether or not this server runs workers. With a broker,
            # `dangan beat` runs them once for all the county's servers: these threads
            # would run them again.
            if not arc.settings.broker_url:
                FixitySchedule.from_env().start_thread(arc, stop)
                start_daily_backup(arc, stop)
            if workers == 0:
                yield
                return
            InboxWatcher(arc).start_thread(stop)
            pool = WorkerPool(arc.settings.home, processes=workers).start()
            try:
                yield
            finally:
                stop.set()
                pool.stop()
        finally:
            stop.set()
            search = getattr(app.state, "search", None)
            if search is not None:
                search.close()

    app = FastAPI(
        title="dangan 扶贫档案",
        version="0.1.0",
        description="扶贫档案管理系统的 JSON 接口, 与命令行 `dangan` 对应。"
        "认证: 浏览器会话(表单须带 CSRF 令牌)或 `Authorization: Bearer dg_...` API 令牌。",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI would load its scripts from the internet
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.archive = arc
    app.state.login_limiter = login_limiter()
    app.state.read_journal = ReadJournal()

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/api/") and "cache-control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.load_secret(arc.settings.home),
        session_cookie=auth.SESSION_COOKIE,
        max_age=auth.SESSION_MAX_AGE,
        same_site="lax",
        # Set DANGAN_SECURE_COOKIES=1 when the server is reached over HTTPS.
        https_only=os.environ.get("DANGAN_SECURE_COOKIES", "") in ("1", "true", "yes"),
    )
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        api,
        api_ingest,
        api_review,
        api_jobs,
        api_journal,
        api_search,
        api_users,
        api_audit,
        api_retention,
    ):
        app.include_router(module.router)
    for module in (
        auth,
        pages_dashboard,
        pages_upload,
        pages_review,
        pages_browse,
        pages_docs,
        pages_search,
        pages_audit,
        pages_retention,
        pages_catalog,
        pages_checks,
        pages_transfer,
        pages_journal,
        pages_users,
    ):
        app.include_router(module.router)
    return app
