"""检索: full-text search with filters, facets and highlighted snippets, and household
lookup (by name, household number or ID number), within the user's villages."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from dangan.archive.errors import DanganError
from dangan.archive.users import Account
from dangan.web.api_search import search_json
from dangan.web.auth import require
from dangan.web.deps import get_archive, get_search
from dangan.web.permissions import allowed_village_ids, visible_villages
from dangan.web.privacy import mask_html, mask_id
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Account, Depends(require("read"))]
PAGE_SIZE = 20


def _households(request: Request, user: Account, text: str) -> list[dict[str, Any]]:
    from dangan.search.households import find_households

    with get_archive(request).db.read() as session:
        matches = find_households(session, text, village_ids=allowed_village_ids(session, user))
    kinds = {
        "id_number": "身份证号",
        "household_no": "户编号",
        "name": "户主姓名",
        "name_fuzzy": "姓名近似",
    }
    return [
        {
            "village_code": m.village_code,
            "village": m.village,
            "household_no": m.household_no,
            "head_name": m.head_name,
            "id_number": mask_id(m.id_number, user),
            "matched_by": kinds.get(m.matched_by, m.matched_by),
        }
        for m in matches
    ]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    user: Reader,
    q: str = "",
    village: str = "",
    type: str = "",
    year: str = "",
    status: str = "",
    page: int = 1,
) -> Response:
    arc = get_archive(request)
    page = max(1, min(page, 500))
    q = q.strip()[:200]
    filters = {"village": village.strip(), "type": type.strip(), "year": year.strip()}
    if status not in ("", "filed", "needs_review"):
        status = ""
    result: dict[str, Any] | None = None
    error = None
    households: list[dict[str, Any]] = []
    searched = bool(q or any(filters.values()))
    if searched:
        try:
            result = search_json(
                get_search(request),
                user,
                q,
                village=filters["village"] or None,
                doc_type=filters["type"] or None,
                year=filters["year"] or None,
                status=status or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
            for hit in result["hits"]:
                hit["snippet_html"] = Markup(mask_html(hit.get("snippet"), user))
        except DanganError as exc:
            error = str(exc)
        if q:
            try:
                households = _households(request, user, q)
            except DanganError:
                households = []
    with arc.db.read() as session:
        villages = [(v.code, v.name) for v in visible_villages(session, user)]

    def link(**changes: Any) -> str:
        params = {"q": q, **filters, "status": status, **changes}
        return "/search?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

    total = result["total"] if result else 0
    return render(
        request,
        "search.html",
        {
            "q": q,
            "filters": filters,
            "status": status,
            "result": result,
            "error": error,
            "households": households,
            "villages": villages,
            "types": sorted(arc.scheme.types.values(), key=lambda t: t.code),
            "link": link,
            "page": page,
            "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE,
            "searched": searched,
        },
    )
