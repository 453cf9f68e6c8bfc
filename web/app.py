"""The FastAPI application: JSON API under /api and the Chinese pages."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from archive.context import Archive
from archive.errors import DanganError, NotFound
from ingest.inbox import InboxWatcher
from ingest.worker import WorkerPool
from web import api, pages


def create_app(arc: Archive, *, workers: int | None = 0) -> FastAPI:
    """The app; `workers` > 0 (or None: one per core) runs the pipeline beside the server."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if workers == 0:
            yield
            return
        stop = threading.Event()
        InboxWatcher(arc).start_thread(stop)
        pool = WorkerPool(arc.settings.home, processes=workers).start()
        try:
            yield
        finally:
            stop.set()
            pool.stop()

    app = FastAPI(
        title="dangan 扶贫档案", version="0.1.0", docs_url="/api/docs-ui", lifespan=lifespan
    )
    app.state.archive = arc

    @app.exception_handler(DanganError)
    async def _dangan_error(_request: Request, exc: DanganError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, NotFound) else 400)

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
