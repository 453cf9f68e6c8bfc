"""The item page: page images, text, metadata, archival code, history, the original;
and 改档 for those allowed. Every read of an item with personal data is journaled."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dangan.archive import journal
from dangan.archive.errors import DanganError
from dangan.archive.users import Account
from dangan.retention.disposal import destruction_notice
from dangan.web.api_review import Refiling, refile_item
from dangan.web.auth import require
from dangan.web.deps import get_archive, reindex
from dangan.web.downloads import original_response
from dangan.web.errors import form_error
from dangan.web.images import WIDTHS, page_numbers, page_png
from dangan.web.lookup import visible_document
from dangan.web.permissions import can, village_allowed, visible_villages
from dangan.web.privacy import mask_text
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Account, Depends(require("read"))]

ACTION_NAMES = {
    "document.receive": "接收",
    "document.extract": "提取文字",
    "document.classify": "自动分类",
    "document.file": "归档",
    "document.review": "人工审核",
    "document.refile": "改档",
    "document.read": "查阅",
    "document.destroy": "销毁",
    "retention.extend": "延长保管",
}


@router.get("/docs/{document_id}", response_class=HTMLResponse)
def item(
    request: Request,
    user: Reader,
    document_id: int,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    arc = get_archive(request)
    from dangan.archive.serialize import document_json

    with arc.db.read() as session:
        doc = visible_document(session, user, document_id)
        data = document_json(doc, arc.scheme, with_text=True)
        data["text"] = mask_text(data["text"], user)
        events = [
            {
                "at": e.at,
                "actor": e.actor,
                "action": ACTION_NAMES.get(e.action, e.action),
                "detail": mask_text(
                    "; ".join(
                        f"{k}={v}" for k, v in (e.after or {}).items() if v not in (None, "", [])
                    ),
                    user,
                ),
            }
            for e in journal.history(session, "document", doc.id)
            if e.action != "document.read"
        ]
        may_refile = (
            doc.status == "filed"
            and can(user, "refile")
            and village_allowed(user, doc.village.code if doc.village else None)
        )
        context = {
            "doc": data,
            "class_name": arc.scheme.classes.get(data["class"] or "", ""),
            "retention_name": arc.scheme.retention_names.get(doc.retention or "", ""),
            "former_codes": (doc.extra or {}).get("former_codes", []),
            "reasons": list(doc.review_reasons or []),
            "responsible": doc.responsible,
            "doc_number": doc.doc_number,
            "images": bool(page_numbers(doc)),
            "source_kind": doc.file.media_type,
            "destroyed": destruction_notice(doc) if doc.status == "destroyed" else None,
            "fixity_error": doc.file.fixity_error,
            "page_numbers": page_numbers(doc),
            "events": events,
            "may_refile": may_refile,
            "may_review": doc.status == "needs_review" and can(user, "review"),
            "types": sorted(arc.scheme.types.values(), key=lambda t: t.code),
            "villages": visible_villages(session, user) if may_refile else [],
            "done": done,
            "error": error,
        }
    request.app.state.read_journal.record(arc, user, doc, "page")
    return render(request, "item.html", context)


@router.get("/docs/{document_id}/pages/{page_no}.png")
def page_image(
    request: Request, user: Reader, document_id: int, page_no: int, w: int = 900
) -> FileResponse:
    arc = get_archive(request)
    with arc.db.read() as session:
        doc = visible_document(session, user, document_id)
        path = page_png(arc, doc, page_no, w if w in WIDTHS else 900)
    request.app.state.read_journal.record(arc, user, doc, "image", dedupe=True)
    return FileResponse(
        path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/docs/{document_id}/original")
def original(request: Request, user: Reader, document_id: int) -> FileResponse:
    arc = get_archive(request)
    with arc.db.read() as session:
        doc = visible_document(session, user, document_id)
        response = original_response(arc, doc)
    request.app.state.read_journal.record(arc, user, doc, "download")
    return response


@router.post("/docs/{document_id}/refile")
def refile_form(
    request: Request,
    user: Annotated[Account, Depends(require("refile"))],
    document_id: int,
    reason: Annotated[str, Form()] = "",
    doc_type: Annotated[str, Form()] = "",
    village: Annotated[str, Form()] = "",
    household: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
) -> Response:
    try:
        if not reason.strip():
            raise DanganError("改档必须说明原因")
        result = refile_item(
            get_archive(request),
            user,
            document_id,
            Refiling(
                reason=reason.strip()[:500],
                type=doc_type.strip() or None,
                village=village.strip() or None,
                household=household.strip() or None,
                year=int(year) if year.strip().isdigit() else None,
            ),
        )
    except (DanganError, ValidationError) as exc:
        return RedirectResponse(
            f"/docs/{document_id}?error={quote(form_error(exc))}", status_code=303
        )
    reindex(request, [document_id])
    message = f"已改档: {result['former_code']} → {result['archival_code']}"
    return RedirectResponse(f"/docs/{document_id}?done={quote(message)}", status_code=303)
