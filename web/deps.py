"""Request-scoped access to the archive and its search service."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.search.service import SearchService

log = logging.getLogger("dangan.web")
_lock = threading.Lock()


def get_archive(request: Request) -> Archive:
    return request.app.state.archive


def read_session(request: Request) -> Iterator[Session]:
    with get_archive(request).db.read() as session:
        yield session


def get_search(request: Request) -> SearchService:
    """The app's one search service. It keeps the index writer for the server's life
    (one writer per process) and catches up with items filed by worker processes
    (`SearchService.sync`, also run by `SearchService.sync_forever` in a thread of the
    server)."""
    app = request.app
    service = getattr(app.state, "search", None)
    if service is None:
        with _lock:
            service = getattr(app.state, "search", None)
            if service is None:
                service = SearchService(app.state.archive, keep_writer=True)
                app.state.search = service
    return service


def reindex(request: Request, ids: Iterable[int]) -> None:
    """Bring the index up to date after items were filed or moved here. Never fails the
    request: the item is committed, and the search service's sync catches up later."""
    try:
        with get_archive(request).db.read() as session:
            get_search(request).index_documents(session, list(ids))
    except Exception:
        log.warning("indexing %s deferred to the next sync", list(ids), exc_info=True)
