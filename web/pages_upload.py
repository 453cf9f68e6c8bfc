"""上传: many files and folders, dragged or chosen, each sent to /api/ingest by itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from dangan.archive.users import Account
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.permissions import visible_villages
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, user: Annotated[Account, Depends(require("upload"))]) -> Response:
    with get_archive(request).db.read() as session:
        villages = [(v.code, v.name) for v in visible_villages(session, user)]
    return render(request, "upload.html", {"villages": villages})
