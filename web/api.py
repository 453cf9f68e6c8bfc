"""JSON API mirroring the command line (DESIGN.md's document shape)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.models import Household, Pairing
from archive.queries import find_documents, get_document
from archive.serialize import document_json, household_json
from web.deps import get_archive, read_session

router = APIRouter(prefix="/api", tags=["api"])
SessionDep = Annotated[Session, Depends(read_session)]


@router.get("/docs")
def list_docs(
    request: Request,
    session: SessionDep,
    village: str | None = None,
    household: str | None = None,
    doc_type: Annotated[str | None, Query(alias="type")] = None,
    status: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> list[dict[str, Any]]:
    scheme = get_archive(request).scheme
    docs = find_documents(
        session, village=village, household=household, doc_type=doc_type, status=status, limit=limit
    )
    return [document_json(d, scheme) for d in docs]


@router.get("/docs/{document_id}")
def show_doc(request: Request, session: SessionDep, document_id: int) -> dict[str, Any]:
    return document_json(
        get_document(session, document_id), get_archive(request).scheme, with_text=True
    )


@router.get("/households")
def list_households(session: SessionDep) -> list[dict[str, Any]]:
    households = session.scalars(
        select(Household)
        .options(
            selectinload(Household.village),
            selectinload(Household.pairings).selectinload(Pairing.helper),
        )
        .order_by(Household.village_id, Household.household_no)
    )
    return [household_json(h) for h in households]
