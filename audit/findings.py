"""What an audit reports: findings, each with the evidence it rests on (DESIGN.md's
JSON shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
"""error: a rule is broken; warning: something to look at; info: reported, not scored."""


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: an item (its archival code and page) with an excerpt, or
    the roster when `document_id` is None."""

    excerpt: str
    document_id: int | None = None
    archival_code: str | None = None
    page: int | None = None
    signature: int | None = None
    """The item's signature field shown (its place in the item's list of fields): the
    crop of the page is the evidence (SIGNATURE_MISSING)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document_id": self.document_id,
            "archival_code": self.archival_code,
            "page": self.page,
            "excerpt": self.excerpt,
        }
        if self.signature is not None:
            out["image"] = signature_path(self.document_id, self.signature)
        return out


def signature_path(document_id: int | None, index: int) -> str:
    """The API's address of a signature field's crop (web/api.py serves it)."""
    return f"/api/docs/{document_id}/signatures/{index}"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    village_code: str
    household_no: str | None
    """None for a village-wide finding (a helper's overload, a month without minutes)."""
    message: str
    evidence: tuple[Evidence, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "village_code": self.village_code,
            "household_no": self.household_no,
            "message": self.message,
            "evidence": [e.as_dict() for e in self.evidence],
        }
