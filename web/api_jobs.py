"""GET /api/jobs/progress: what the pipeline has left to do (the dashboard polls it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from dangan.archive.users import Account
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.progress import job_progress, status_counts

router = APIRouter(prefix="/api", tags=["处理进度"])


@router.get("/jobs/progress", responses=ERRORS)
def progress(
    request: Request, user: Annotated[Account, Depends(require("dashboard"))]
) -> dict[str, Any]:
    """排队中、处理中的文件数, 正在识别的页数进度, 及本人负责范围内各状态的文件数。"""
    with get_archive(request).db.read() as session:
        return {**job_progress(session), "statuses": status_counts(session, user)}
