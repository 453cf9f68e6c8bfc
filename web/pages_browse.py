"""档案浏览: township → village → household (一户一档 checklist) → items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dangan.archive.models import Document, Household, Pairing
from dangan.archive.scheme import Scheme
from dangan.archive.serialize import document_json, household_json
from dangan.archive.users import Account
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.lookup import allowed_household, allowed_village, visible_documents
from dangan.web.permissions import visible_villages
from dangan.web.privacy import mask_household
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Account, Depends(require("read"))]


def checklist(
    scheme: Scheme, household: Household, docs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each required item type of the household's file with the items that are there."""
    rows = []
    for code in scheme.required_for(household.exit_year is not None):
        items = [d for d in docs if d["doc_type"] == code and d["status"] == "filed"]
        waiting = [d for d in docs if d["doc_type"] == code and d["status"] == "needs_review"]
        rows.append(
            {
                "code": code,
                "name": scheme.types[code].name,
                "items": items,
                "waiting": waiting,
                "present": bool(items),
            }
        )
    return rows


@router.get("/browse", response_class=HTMLResponse)
def township(request: Request, user: Reader) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        town = arc.township(session)
        villages = visible_villages(session, user)
        households = dict(
            session.execute(
                select(Household.village_id, func.count()).group_by(Household.village_id)
            ).all()
        )
        filed = dict(
            session.execute(
                select(Document.village_id, func.count())
                .where(Document.status == "filed")
                .group_by(Document.village_id)
            ).all()
        )
        rows = [
            {
                "code": v.code,
                "name": v.name,
                "households": households.get(v.id, 0),
                "filed": filed.get(v.id, 0),
            }
            for v in villages
        ]
    return render(request, "browse_township.html", {"township": town, "villages": rows})


@router.get("/browse/{village_code}", response_class=HTMLResponse)
def village(request: Request, user: Reader, village_code: str) -> Response:
    arc = get_archive(request)
    scheme = arc.scheme
    with arc.db.read() as session:
        row = allowed_village(session, user, village_code)
        present: dict[int, set[str]] = {}
        for household_id, doc_type in session.execute(
            select(Document.household_id, Document.doc_type)
            .where(Document.village_id == row.id, Document.status == "filed")
            .where(Document.household_id.is_not(None))
            .distinct()
        ).all():
            present.setdefault(household_id, set()).add(doc_type)
        households = []
        for h in session.scalars(
            select(Household).where(Household.village_id == row.id).order_by(Household.household_no)
        ):
            required = scheme.required_for(h.exit_year is not None)
            have = present.get(h.id, set())
            households.append(
                {
                    "no": h.household_no,
                    "head": h.head_name,
                    "members": h.members,
                    "exit_year": h.exit_year,
                    "required": len(required),
                    "present": sum(1 for c in required if c in have),
                }
            )
        village_docs = [
            document_json(d, scheme)
            for d in visible_documents(session, user, village=row.code)
            if d.household_id is None
        ]
    return render(
        request,
        "browse_village.html",
        {"village": row, "households": households, "docs": village_docs},
    )


@router.get("/browse/{village_code}/{household_no}", response_class=HTMLResponse)
def household(request: Request, user: Reader, village_code: str, household_no: str) -> Response:
    arc = get_archive(request)
    scheme = arc.scheme
    with arc.db.read() as session:
        row = allowed_village(session, user, village_code)
        found = allowed_household(session, user, row, household_no)
        found = session.scalars(
            select(Household)
            .where(Household.id == found.id)
            .options(
                selectinload(Household.village),
                selectinload(Household.pairings).selectinload(Pairing.helper),
            )
        ).one()
        info = mask_household(household_json(found), user)
        docs = [
            document_json(d, scheme)
            for d in visible_documents(
                session, user, village=row.code, household=found.household_no
            )
        ]
        rows = checklist(scheme, found, docs)
    request.app.state.read_journal.record_household(arc, user, found)
    return render(
        request,
        "browse_household.html",
        {
            "village": row,
            "h": info,
            "docs": docs,
            "checklist": rows,
            "missing": [r for r in rows if not r["present"]],
        },
    )
