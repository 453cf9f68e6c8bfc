"""The public JSON shape of archive objects (DESIGN.md: other programs depend on it)."""

from __future__ import annotations

from typing import Any

from dangan.archive.models import Document, Household
from dangan.archive.scheme import Scheme


def document_json(doc: Document, scheme: Scheme, *, with_text: bool = False) -> dict[str, Any]:
    doc_type = scheme.types.get(doc.doc_type) if doc.doc_type else None
    out: dict[str, Any] = {
        "id": doc.id,
        "archival_code": doc.archival_code,
        "title": f"[{doc.title}]" if doc.title and doc.title_made_up else doc.title,
        "doc_type": doc.doc_type,
        "doc_type_name": doc_type.name if doc_type else None,
        "class": doc_type.class_code if doc_type else None,
        "level": doc_type.level if doc_type else None,
        "retention": doc.retention,
        "village_code": doc.village.code if doc.village else None,
        "village": doc.village.name if doc.village else None,
        "household_no": doc.household.household_no if doc.household else None,
        "household_head": doc.household.head_name if doc.household else None,
        "year": doc.year,
        "date": doc.date.isoformat() if doc.date else None,
        "pages": doc.pages,
        "status": doc.status,
        "confidence": doc.confidence,
        "error": doc.error,
        "source_name": doc.file.original_name,
        "source_pages": doc.source_pages,
        "sha256": doc.file.sha256,
    }
    if with_text:
        out["text"] = "\f".join(page.text for page in doc.page_rows)
    return out


def household_json(household: Household) -> dict[str, Any]:
    return {
        "village_code": household.village.code,
        "village": household.village.name,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "id_number": household.id_number,
        "members": household.members,
        "identification_year": household.identification_year,
        "exit_year": household.exit_year,
        "poverty_cause": household.poverty_cause,
        "phone": household.phone,
        "annual_income": household.annual_income,
        "helpers": [
            {
                "name": p.helper.name,
                "id_number": p.helper.id_number,
                "start_date": p.start_date.isoformat() if p.start_date else None,
                "end_date": p.end_date.isoformat() if p.end_date else None,
            }
            for p in household.pairings
        ],
    }
