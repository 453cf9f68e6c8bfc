"""档案检查: the audit of the caller's villages, with village scores, findings by village
and household, and the evidence each rests on (links to the items)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import tempfile
from itertools import groupby
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from dangan.archive.errors import DanganError, NotFound
from dangan.archive.models import Household, Village
from dangan.archive.users import Account
from dangan.web.api_audit import audit_json, rule_codes
from dangan.web.auth import Forbidden, require
from dangan.web.deps import get_archive
from dangan.web.permissions import visible_villages
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Account, Depends(require("audit"))]

SEVERITY_NAMES = {"error": "问题", "warning": "提示", "info": "说明"}
SEVERITY_CLASSES = {"error": "bad", "warning": "warn", "info": "st-queued"}
MAX_SHOWN = 1000
"""Findings shown on one page; the rest are counted and left to the filters."""
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
# suffix -> (label, media type): the formats of dangan.audit.reports.write_report
REPORTS = {
    "xlsx": ("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": (
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "pdf": ("PDF", "application/pdf"),
}


def _reports_available() -> bool:
    return importlib.util.find_spec("dangan.audit.reports") is not None


def _when(stamp: str) -> str:
    """The report's time (UTC, ISO) in Beijing time, as the written reports show it."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone(CHINA_TIME):%Y-%m-%d %H:%M:%S}"


def _groups(findings: list[dict[str, Any]], heads: dict[tuple[str, str], str]):  # type: ignore[no-untyped-def]
    """[(village_code, [(household_no | None, head name, [finding, ...]), ...]), ...]:
    findings arrive ordered by village and household (village-wide ones first)."""
    return [
        (
            code,
            [
                (number, heads.get((code, number or ""), ""), list(items))
                for number, items in groupby(rows, key=lambda f: f["household_no"])
            ],
        )
        for code, rows in groupby(findings, key=lambda f: f["village_code"])
    ]


def _heads(request: Request, findings: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    wanted = {(f["village_code"], f["household_no"]) for f in findings if f["household_no"]}
    if not wanted:
        return {}
    with get_archive(request).db.read() as session:
        rows = session.execute(
            select(Village.code, Household.household_no, Household.head_name)
            .join(Village, Household.village_id == Village.id)
            .where(Village.code.in_({code for code, _ in wanted}))
        ).all()
    return {(c, n): name for c, n, name in rows if (c, n) in wanted}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Auditor,
    village: str = "",
    household: str = "",
    rule: Annotated[list[str] | None, Query()] = None,
) -> Response:
    from dangan.audit.rules import RULES

    arc = get_archive(request)
    village, household = village.strip()[:100], household.strip()[:100]
    rules = rule_codes(rule)
    report: dict[str, Any] | None = None
    error, status = None, 200
    try:
        report = audit_json(arc, user, village or None, household or None, rules or None)
    except Forbidden as exc:
        error, status = exc.message, 403
    except DanganError as exc:
        error, status = str(exc), 404 if isinstance(exc, NotFound) else 400
    with arc.db.read() as session:
        villages = [(v.code, v.name) for v in visible_villages(session, user)]
    context: dict[str, Any] = {
        "village": village,
        "household": household,
        "chosen": rules,
        "rules": [(r.code, r.title) for r in RULES],
        "villages": villages,
        "error": error,
        "report": report,
        "severity_names": SEVERITY_NAMES,
        "severity_classes": SEVERITY_CLASSES,
        "downloads": [(k, label) for k, (label, _) in REPORTS.items()]
        if _reports_available()
        else [],
    }
    if report is not None:
        request.app.state.read_journal.record_audit(arc, user, report, rules, "page", dedupe=True)
        findings = report["findings"]
        shown = findings[:MAX_SHOWN]
        titles = {r.code: r.title for r in RULES}
        context.update(
            names={v["code"]: v["name"] for v in report["villages"]},
            titles=titles,
            generated=_when(report["generated_at"]),
            groups=_groups(shown, _heads(request, shown)),
            hidden=len(findings) - len(shown),
        )
        params = [("village", village), ("household", household), *[("rule", r) for r in rules]]
        context["query"] = urlencode([(k, v) for k, v in params if v])
    return render(request, "audit.html", context, status_code=status)


def _file_name(report: dict[str, Any], suffix: str) -> str:
    scope = report["scope"]
    villages = report["villages"]
    where = scope["village"] or (villages[0]["name"] if len(villages) == 1 else "全部村")
    if scope["household_no"]:
        where += f"_{scope['household_no']}号户"
    day = _when(report["generated_at"])[:10].replace("-", "")
    return f"档案检查报告_{where}_{day}.{suffix}".replace("/", "_").replace("\\", "_")


@router.get("/audit/report.{suffix}")
def audit_report(
    request: Request,
    user: Auditor,
    suffix: str,
    village: str = "",
    household: str = "",
    rule: Annotated[list[str] | None, Query()] = None,
) -> FileResponse:
    """The same scoped audit as the page, written as a report file to download."""
    if suffix not in REPORTS or not _reports_available():
        raise NotFound(f"没有 .{suffix[:10]} 格式的检查报告, 可选 {'、'.join(REPORTS)}")
    from dangan.audit.evidence_images import with_signature_crops
    from dangan.audit.reports import write_report

    arc = get_archive(request)
    report = audit_json(arc, user, village, household, rule)
    folder = Path(tempfile.mkdtemp(prefix="dangan-audit-"))
    try:
        with arc.db.read() as session:
            pictured = with_signature_crops(session, arc.store, report)
        path = write_report(pictured, folder / f"report.{suffix}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    request.app.state.read_journal.record_audit(
        arc, user, report, rule_codes(rule), suffix, dedupe=False
    )
    name = _file_name(report, suffix)
    return FileResponse(
        path,
        media_type=REPORTS[suffix][1],
        headers={
            "Content-Disposition": f'attachment; filename="audit-report.{suffix}"; '
            f"filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
