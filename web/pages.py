"""Server-rendered Chinese pages (Jinja2; text is autoescaped)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from archive.models import Document, Household, Village
from web.deps import get_archive

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    arc = get_archive(request)
    with arc.db.read() as session:
        township = arc.township(session)
        households = dict(
            session.execute(
                select(Household.village_id, func.count()).group_by(Household.village_id)
            ).all()
        )
        documents = dict(
            session.execute(
                select(Document.village_id, func.count()).group_by(Document.village_id)
            ).all()
        )
        statuses = dict(
            session.execute(select(Document.status, func.count()).group_by(Document.status)).all()
        )
        villages = [
            {
                "code": v.code,
                "name": v.name,
                "households": households.get(v.id, 0),
                "documents": documents.get(v.id, 0),
            }
            for v in session.scalars(select(Village).order_by(Village.code))
        ]
        context = {
            "township": township.name,
            "fonds": township.fonds,
            "villages": villages,
            "statuses": statuses,
        }
    return templates.TemplateResponse(request, "dashboard.html", context)
