"""The review queue over HTTP (as `dangan review list|file|refile`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from dangan.archive.context import Archive
from dangan.archive.filing import refile, review_and_file
from dangan.archive.serialize import document_json
from dangan.archive.users import Account
from dangan.web.api import ERRORS, DocId
from dangan.web.auth import Forbidden, require
from dangan.web.deps import get_archive, reindex
from dangan.web.lookup import targets, visible_document, visible_documents
from dangan.web.permissions import village_allowed

router = APIRouter(prefix="/api", tags=["审核"])
Reviewer = Annotated[Account, Depends(require("review"))]
Refiler = Annotated[Account, Depends(require("refile"))]


class Placement(BaseModel):
    """Where the item goes; anything left out keeps the pipeline's proposal."""

    type: str | None = Field(None, description="文件类型代码, 如 H07", max_length=10)
    village: str | None = Field(None, description="村代码或村名", max_length=100)
    household: str | None = Field(None, description="户编号", max_length=20)
    year: int | None = Field(None, description="年度", ge=1949, le=2100)
    date: dt.date | None = Field(None, description="文件日期(归档要求有日期)")


class Refiling(Placement):
    reason: str = Field(..., description="改档原因(记入日志)", min_length=1, max_length=500)


def file_reviewed(
    arc: Archive, user: Account, document_id: int, placement: Placement
) -> dict[str, Any]:
    """Confirm (or correct) an item in review and file it, within the user's villages."""
    with arc.db.write() as session:
        doc = visible_document(session, user, document_id)
        village, household = targets(session, user, placement.village, placement.household)
        review_and_file(
            session,
            doc,
            arc.scheme,
            actor=user.username,
            store=arc.store,
            doc_type=placement.type,
            village=village,
            household=household,
            year=placement.year,
            date=placement.date,
        )
        if not village_allowed(user, doc.village.code if doc.village else None):
            raise Forbidden("只能归档到您负责的村")
        return document_json(doc, arc.scheme)


def refile_item(arc: Archive, user: Account, document_id: int, change: Refiling) -> dict[str, Any]:
    with arc.db.write() as session:
        doc = visible_document(session, user, document_id)
        if not village_allowed(user, doc.village.code if doc.village else None):
            raise Forbidden("只能改档您负责的村的文件")
        village, household = targets(session, user, change.village, change.household)
        former = doc.archival_code
        refile(
            session,
            doc,
            arc.scheme,
            actor=user.username,
            store=arc.store,
            reason=change.reason,
            doc_type=change.type,
            village=village,
            household=household,
            year=change.year,
            date=change.date,
        )
        if not village_allowed(user, doc.village.code if doc.village else None):
            raise Forbidden("只能改档到您负责的村")
        return {**document_json(doc, arc.scheme), "former_code": former}


@router.get("/review", responses=ERRORS)
def review_list(request: Request, user: Reviewer) -> list[dict[str, Any]]:
    """待审核的文件及原因(同 `dangan review list --json`)。"""
    arc = get_archive(request)
    with arc.db.read() as session:
        return [
            {**document_json(d, arc.scheme), "reasons": list(d.review_reasons or [])}
            for d in visible_documents(session, user, status="needs_review")
        ]


@router.post("/review/{document_id}/file", responses=ERRORS)
def review_file(
    request: Request, user: Reviewer, document_id: DocId, placement: Placement | None = None
) -> dict[str, Any]:
    """确认(或更正)类型、村、户后归档; 返回归档后的文件及其档号。"""
    result = file_reviewed(get_archive(request), user, document_id, placement or Placement())
    reindex(request, [document_id])
    return result


@router.post("/review/{document_id}/refile", responses=ERRORS)
def review_refile(
    request: Request, user: Refiler, document_id: DocId, change: Refiling
) -> dict[str, Any]:
    """改档: 已归档文件移到正确位置并给出新档号, 旧档号记入日志。"""
    result = refile_item(get_archive(request), user, document_id, change)
    reindex(request, [document_id])
    return result
