"""Renditions: an original's copy in a format kept for the long term.

An office's .doc, .wps, spreadsheets and HEIC photos are kept as they came, and beside
each the pipeline stores a copy in a format on DOMAIN.md's whitelist (a PDF, a JPEG):
the copy the browser shows, and the one the four-property checks (四性) hold to the
whitelist. It is a `StoredFile` with role "rendition", derived from the original's row,
so fixity checks and backups know it and a disposal destroys it with its original.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.four_properties import FORMATS
from dangan.archive.models import StoredFile

ROLE = "rendition"


def rendition_of(session: Session, original: StoredFile) -> StoredFile | None:
    """The original's rendition, when it has one."""
    return session.scalar(
        select(StoredFile)
        .where(StoredFile.derived_from_id == original.id)
        .where(StoredFile.role == ROLE)
        .order_by(StoredFile.id)
        .limit(1)
    )


def kept_file(session: Session, original: StoredFile) -> StoredFile:
    """The file held to the whitelist (四性 3-2): the original when its format is on it,
    else its rendition; the original when it has none (and then fails the check)."""
    if (original.media_type or "") in FORMATS:
        return original
    return rendition_of(session, original) or original
