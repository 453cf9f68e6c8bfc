"""四性检测: the newest four-property results per stage, per check and per item, the
failures first; archivists and administrators run the checks again from here."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from dangan.archive.errors import InputError
from dangan.archive.four_properties import CHECKS, OUTCOMES, PROPERTIES, STAGES
from dangan.archive.models import CheckResult, Document
from dangan.archive.printing import china_time
from dangan.archive.users import Account
from dangan.web.auth import Forbidden, require
from dangan.web.deps import get_archive
from dangan.web.permissions import allowed_village_ids, can, scoped
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Account, Depends(require("checks"))]
Runner = Annotated[Account, Depends(require("run_checks"))]
MAX_SHOWN = 500


def _latest(request: Request, user: Account) -> list[dict[str, Any]]:
    """Per stage, the results of its newest run, in the caller's villages."""
    arc = get_archive(request)
    stages = []
    with arc.db.read() as session:
        village_ids = allowed_village_ids(session, user)
        for stage, name in STAGES.items():
            moment = session.scalar(
                select(func.max(CheckResult.checked_at)).where(CheckResult.stage == stage)
            )
            if moment is None:
                stages.append({"stage": stage, "name": name, "when": None})
                continue
            query = (
                select(CheckResult, Document.archival_code)
                .outerjoin(Document, CheckResult.document_id == Document.id)
                .where(CheckResult.stage == stage, CheckResult.checked_at == moment)
            )
            if village_ids is not None:
                query = query.where(Document.village_id.in_(village_ids))
            rows = session.execute(query).all()
            counts = Counter((r.code, r.outcome) for r, _ in rows)
            failures = [
                {
                    "code": r.code,
                    "archival_code": code,
                    "document_id": r.document_id,
                    "message": r.message,
                }
                for r, code in rows
                if r.outcome == "failed"
            ]
            unchecked = Counter((r.code, r.message) for r, _ in rows if r.outcome == "unchecked")
            stages.append(
                {
                    "stage": stage,
                    "name": name,
                    "when": china_time(moment),
                    "summary": [
                        {
                            "code": code,
                            "property": PROPERTIES[code[0]],
                            "title": CHECKS[code],
                            **{o: counts[(code, o)] for o in OUTCOMES},
                        }
                        for code in sorted({c for c, _ in counts})
                    ],
                    "failures": sorted(
                        failures, key=lambda f: (f["code"], f["archival_code"] or "")
                    )[:MAX_SHOWN],
                    "failed": len(failures),
                    "unchecked": [(c, m, n) for (c, m), n in sorted(unchecked.items())],
                }
            )
    return stages


@router.get("/checks", response_class=HTMLResponse)
def checks_page(request: Request, user: Viewer) -> Response:
    stages = _latest(request, user)
    stages.sort(key=lambda s: -(s.get("failed") or 0))  # the stages with failures first
    return render(
        request,
        "checks.html",
        {
            "stages": stages,
            "may_run": can(user, "run_checks") and not scoped(user),
            "shown": MAX_SHOWN,
        },
    )


@router.post("/checks")
def run_checks_now(request: Request, user: Runner, stage: Annotated[str, Form()] = "") -> Response:
    from dangan.retention.checks import run_checks

    if stage and stage not in STAGES:
        raise InputError(f"没有环节 {stage[:20]}; 可用: {'、'.join(STAGES)}")
    if scoped(user):
        raise Forbidden("检测覆盖全部村, 只有不限村的账户可以运行")
    arc = get_archive(request)
    with arc.db.write() as session:
        run_checks(arc, session, stage=stage or None)
    return RedirectResponse("/checks", status_code=303)
