"""首页: counts by status and village, and the pipeline's progress (htmx polls it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from dangan.archive.models import utcnow
from dangan.archive.users import Account
from dangan.demo import status as demo_status
from dangan.retention.backup_schedule import BackupPolicy, stale_warning
from dangan.retention.fixity import latest_fixity_run
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.progress import job_progress, status_counts, village_rows
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Account, Depends(require("dashboard"))]


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        township = arc.township(session)
        context = {
            "township": township.name,
            "fonds": township.fonds,
            "villages": village_rows(session, user),
            "statuses": status_counts(session, user),
            "progress": job_progress(session),
            "demo": demo_status.read(arc.settings.home),
            "backup_warning": stale_warning(session, BackupPolicy.from_env(), utcnow()),
            "fixity": latest_fixity_run(session),
        }
    return render(request, "dashboard.html", context)


@router.get("/fragments/progress", response_class=HTMLResponse)
def progress_fragment(request: Request, user: Viewer) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        progress = job_progress(session)
    return render(
        request,
        "_progress.html",
        {"progress": progress, "demo": demo_status.read(arc.settings.home)},
    )
