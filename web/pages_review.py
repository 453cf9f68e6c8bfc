"""待审核: the review queue. Page image beside the text and the proposal; Enter files it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from dangan.archive.errors import DanganError
from dangan.archive.models import Document, Household, Village
from dangan.archive.serialize import document_json
from dangan.archive.users import Account
from dangan.web.api_review import Placement, file_reviewed
from dangan.web.auth import require
from dangan.web.deps import get_archive, reindex
from dangan.web.errors import form_error
from dangan.web.images import page_numbers
from dangan.web.lookup import MAX_ID, visible_document, visible_documents
from dangan.web.permissions import visible_villages
from dangan.web.privacy import mask_text
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Account, Depends(require("review"))]


def _queue_ids(request: Request, user: Account) -> list[int]:
    with get_archive(request).db.read() as session:
        return [d.id for d in visible_documents(session, user, status="needs_review")]


def _filed_message(request: Request, filed: int | None) -> str | None:
    if not filed or not 1 <= filed <= MAX_ID:
        return None
    with get_archive(request).db.read() as session:
        doc = session.get(Document, filed)
        return (
            f"文件 {filed} 已归档, 档号 {doc.archival_code}" if doc and doc.archival_code else None
        )


@router.get("/review", response_class=HTMLResponse)
def queue(request: Request, user: Reviewer, filed: int | None = None) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        docs = visible_documents(session, user, status="needs_review")
        rows = [
            {**document_json(d, arc.scheme), "reasons": list(d.review_reasons or [])} for d in docs
        ]
    return render(
        request, "review_list.html", {"rows": rows, "flash": _filed_message(request, filed)}
    )


@router.get("/review/{document_id}", response_class=HTMLResponse)
def review_item(
    request: Request,
    user: Reviewer,
    document_id: int,
    filed: int | None = None,
    error: str | None = None,
) -> Response:
    arc = get_archive(request)
    ids = _queue_ids(request, user)
    with arc.db.read() as session:
        doc = visible_document(session, user, document_id)
        if doc.status != "needs_review":
            return RedirectResponse("/review", status_code=303)
        data = document_json(doc, arc.scheme, with_text=True)
        data["text"] = mask_text(data["text"], user)
        villages = visible_villages(session, user)
        households = _households(
            session, doc.village or (villages[0] if len(villages) == 1 else None)
        )
        position = ids.index(doc.id) if doc.id in ids else 0
        context = {
            "doc": data,
            "reasons": list(doc.review_reasons or []),
            "images": bool(page_numbers(doc)),
            "page_numbers": page_numbers(doc),
            "types": sorted(arc.scheme.types.values(), key=lambda t: t.code),
            "villages": villages,
            "households": households,
            "position": position + 1,
            "total": len(ids),
            "prev_id": ids[position - 1] if position > 0 else None,
            "next_id": ids[position + 1] if position + 1 < len(ids) else None,
            "flash": _filed_message(request, filed),
            "error": error,
        }
    arc_doc = doc
    request.app.state.read_journal.record(arc, user, arc_doc, "review")
    return render(request, "review_item.html", context)


def _households(session, village: Village | None) -> list[Household]:  # type: ignore[no-untyped-def]
    if village is None:
        return []
    return list(
        session.scalars(
            select(Household)
            .where(Household.village_id == village.id)
            .order_by(Household.household_no)
        )
    )


@router.get("/fragments/households", response_class=HTMLResponse)
def households_options(request: Request, user: Reviewer, village: str = "") -> Response:
    """<option>s of a village's households, for the review form's household list."""
    with get_archive(request).db.read() as session:
        row = next((v for v in visible_villages(session, user) if v.code == village), None)
        households = _households(session, row)
    return render(request, "_household_options.html", {"households": households})


@router.post("/review/{document_id}", response_class=HTMLResponse)
def confirm(
    request: Request,
    user: Reviewer,
    document_id: int,
    doc_type: Annotated[str, Form()] = "",
    village: Annotated[str, Form()] = "",
    household: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
) -> Response:
    arc = get_archive(request)
    ids = _queue_ids(request, user)
    try:
        placement = Placement(
            type=doc_type.strip() or None,
            village=village.strip() or None,
            household=household.strip() or None,
            year=int(year) if year.strip().isdigit() else None,
            date=date.strip() or None,
        )
        file_reviewed(arc, user, document_id, placement)
        reindex(request, [document_id])
    except (DanganError, ValidationError) as exc:
        from urllib.parse import quote

        return RedirectResponse(
            f"/review/{document_id}?error={quote(form_error(exc))}", status_code=303
        )
    rest = [i for i in ids if i != document_id]
    later = [i for i in rest if i > document_id]
    target = later[0] if later else (rest[0] if rest else None)
    if target is None:
        return RedirectResponse(f"/review?filed={document_id}", status_code=303)
    return RedirectResponse(f"/review/{target}?filed={document_id}", status_code=303)
