"""GET /api/search: the command line's `dangan search --json`, over HTTP.

Limited to the caller's villages inside the search itself (totals and facets count
only what the caller may see); ID numbers in snippets are masked for roles that may
not see them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from dangan.archive.users import Account
from dangan.search.service import MAX_OFFSET, SearchService
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_search
from dangan.web.privacy import mask_text

router = APIRouter(prefix="/api", tags=["检索"])
Reader = Annotated[Account, Depends(require("read"))]


def search_json(
    service: SearchService,
    user: Account,
    q: str = "",
    **filters: Any,
) -> dict[str, Any]:
    """The search as `user` may see it."""
    result = service.search(q, allowed_villages=list(user.villages) or None, **filters)
    for hit in result["hits"]:
        hit["snippet"] = mask_text(hit["snippet"], user)
    return result


@router.get("/search", responses=ERRORS)
def search(
    request: Request,
    user: Reader,
    q: Annotated[str, Query(description='查询, 如 "扶贫手册 村:白沙村 年度:2016-2018"')] = "",
    village: Annotated[str | None, Query(description="村代码或村名")] = None,
    household: Annotated[str | None, Query(description="户编号、户主姓名或身份证号")] = None,
    doc_type: Annotated[str | None, Query(alias="type", description="文件类型代码")] = None,
    year: Annotated[str | None, Query(description="2016 或 2016-2018")] = None,
    status: Annotated[str | None, Query(description="filed|needs_review|all (default: all)")] = None,
    limit: Annotated[int, Query(ge=0, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """全文检索(同 `dangan search --json`): `{query, total, took_ms, hits, facets}`。"""
    return search_json(
        get_search(request),
        user,
        q,
        village=village,
        household=household,
        doc_type=doc_type,
        year=year,
        status=status,
        limit=limit,
        offset=offset,
    )
