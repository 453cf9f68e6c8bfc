"""POST /api/ingest: receive uploaded files (as `dangan ingest`), one outcome per file."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from dangan.archive.users import Account
from dangan.ingest.receive import Hints, Received, check_hints, receive_stream
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.lookup import targets

router = APIRouter(prefix="/api", tags=["导入"])


def _clean_name(raw: str | None) -> str:
    """The name as the browser sent it (a folder upload sends its relative path),
    without leading slashes or `..` parts."""
    parts = [
        p for p in PurePosixPath((raw or "").replace("\\", "/")).parts if p not in ("/", "..", ".")
    ]
    return "/".join(parts)[-400:] or "未命名文件"


@router.post("/ingest", status_code=201, responses=ERRORS)
def ingest(
    request: Request,
    user: Annotated[Account, Depends(require("upload"))],
    files: Annotated[
        list[UploadFile], File(description="一个或多个文件(扫描件、照片、PDF、OFD、Word、WPS、Excel 台账、zip)")
    ],
    village: Annotated[str | None, Form(description="所属村(代码或村名), 可选")] = None,
    household: Annotated[str | None, Form(description="所属户编号, 可选")] = None,
) -> dict[str, Any]:
    """导入文件: 每个文件的结果为 queued(已排队)、duplicate(重复)或 failed(失败)并附原因。"""
    arc = get_archive(request)
    village = (village or "").strip() or None
    household = (household or "").strip() or None
    with arc.db.read() as session:
        targets(session, user, village, household)  # Forbidden outside the user's villages
    if village is None and household is None and len(user.villages) == 1:
        village = user.villages[0]
    extra = {**check_hints(arc, Hints(village, household)), "uploaded_by": user.username}
    results: list[Received] = []
    for upload in files:
        name = _clean_name(upload.filename)
        results.extend(receive_stream(arc, upload.file, name, actor=user.username, extra=extra))
    counts = Counter(r.outcome for r in results)
    return {
        "received": [
            {
                "name": r.name,
                "outcome": r.outcome,
                "document_id": r.document_id,
                "message": r.message,
            }
            for r in results
        ],
        "summary": {k: counts.get(k, 0) for k in ("queued", "duplicate", "failed")},
    }
