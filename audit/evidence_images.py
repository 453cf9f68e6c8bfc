"""The pictures a printed report shows beside its findings: each signature field's crop
(SIGNATURE_MISSING), read from the store. The report's JSON names a crop by its API
address; a file report carries the picture itself, attached here by the caller that has
the archive open (the writers take the report alone)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from dangan.archive.errors import IntegrityFailure, StoreError
from dangan.archive.models import Document
from dangan.archive.store import ContentStore


def with_signature_crops(
    session: Session, store: ContentStore, report: dict[str, Any]
) -> dict[str, Any]:
    """A copy of `report` whose evidence of a signature field carries its crop as PNG
    bytes under "png" (left out when the crop is missing or damaged: the report then
    says so in words, it is not withheld)."""
    out = copy.deepcopy(report)
    for finding in out.get("findings") or ():
        for evidence in finding.get("evidence") or ():
            if evidence.get("image") and evidence.get("document_id") is not None:
                evidence["png"] = _crop(session, store, evidence)
    return out


def _crop(session: Session, store: ContentStore, evidence: dict[str, Any]) -> bytes | None:
    doc = session.get(Document, evidence["document_id"])
    fields = ((doc.extra or {}).get("signatures") or []) if doc else []
    index = int(str(evidence["image"]).rsplit("/", 1)[-1])
    if index >= len(fields):
        return None
    try:
        return store.read_bytes(fields[index]["crop"], verify=True)
    except (OSError, StoreError, IntegrityFailure):
        return None
