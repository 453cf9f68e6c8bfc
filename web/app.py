"""The FastAPI application: JSON API under /api and the Chinese pages."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request

from archive.context import Archive
from archive.errors import DanganError, NotFound
from web import api, pages


def create_app(arc: Archive) -> FastAPI:
    app = FastAPI(title="dangan 扶贫档案", version="0.1.0", docs_url="/api/docs-ui")
    app.state.archive = arc

    @app.exception_handler(DanganError)
    async def _dangan_error(_request: Request, exc: DanganError) -> None:
        raise HTTPException(status_code=404 if isinstance(exc, NotFound) else 400, detail=str(exc))

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
