"""Request-scoped access to the archive."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from archive.context import Archive


def get_archive(request: Request) -> Archive:
    return request.app.state.archive


def read_session(request: Request) -> Iterator[Session]:
    with get_archive(request).db.read() as session:
        yield session
