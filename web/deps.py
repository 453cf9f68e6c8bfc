"""Request-scoped access to the archive and its search service."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from archive.context import Archive

log = logging.getLogger("dangan.web")


def get_archive(request: Request) -> Archive:
    return request.app.state.archive


def read_session(request: Request) -> Iterator[Session]:
    with get_archive(request).db.read() as session:
        yield session


def get_search(request: Request) -> Any:
    """The app's one SearchService (one index writer per process): web.api_search's."""
    from web.api_search import get_search as shared

    return shared(request)


def reindex(request: Request, ids: Iterable[int]) -> None:
    """Bring the index up to date after items were filed or moved here. Never fails the
    request: the item is committed, and the search service's sync catches up later."""
    try:
        with get_archive(request).db.read() as session:
            get_search(request).index_documents(session, list(ids))
    except Exception:
        log.warning("indexing %s deferred to the next sync", list(ids), exc_info=True)
