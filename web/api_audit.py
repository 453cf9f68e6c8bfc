"""GET /api/audit: the command line's `dangan audit --json`, over HTTP.

An account limited to some villages sees only their findings and scores: asking for
another village is refused; an account of one village audits that village; with no
village asked, an account of several has the report cut down to its villages (summary
and rule counts recounted). Evidence from another village's items
or roster rows is withheld. ID numbers are masked for roles that may not see them.
Every run is journaled as a read of personal data ("audit.read").
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.archive.errors import InputError, NotFound
from dangan.archive.idnumber import mask
from dangan.archive.models import Document, Household, Village
from dangan.archive.users import Account
from dangan.audit.run import Scope, resolve_scope, run_audit
from dangan.audit.scores import load_rubric
from dangan.audit.settings import load_settings
from dangan.web.api import ERRORS
from dangan.web.auth import Forbidden, require
from dangan.web.deps import get_archive
from dangan.web.lookup import allowed_village
from dangan.web.permissions import scoped, village_allowed
from dangan.web.privacy import full_ids, mask_text

router = APIRouter(prefix="/api", tags=["档案检查"])
Auditor = Annotated[Account, Depends(require("audit"))]

WITHHELD = "(其他村的材料, 不在您负责的村范围内)"
OTHER_HOUSEHOLD = "其他村的一户"
# An ID number the audit reports as malformed may be a digit short or long: mask any
# long run of digits, beside the well-formed numbers mask_text finds.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z*])\d{12,20}[Xx]?(?![0-9A-Za-z])")
# A mobile number quoted from a form (联系电话 15139368004) is personal data too.
_MOBILE = re.compile(r"(?<![0-9A-Za-z*])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def _clean(text: str | None) -> str | None:
    text = (text or "").replace("\x00", "").strip()[:100]
    return text or None


def rule_codes(rules: list[str] | None) -> list[str]:
    """The rule codes asked for, as the command line takes them (any case); [] for all."""
    return [c.upper() for c in (_clean(r) for r in rules or ()) if c][:50]


def _mask(text: str | None, user: Account) -> str:
    text = mask_text(text, user)
    if full_ids(user):
        return text
    return _MOBILE.sub(r"\1****\2", _LONG_NUMBER.sub(lambda m: mask(m.group()), text))


def _household_village(session: Session, user: Account, number: str) -> str:
    """The one village among the account's own that has household `number`."""
    codes = list(
        session.scalars(
            select(Village.code)
            .join(Household, Household.village_id == Village.id)
            .where(Household.household_no == number, Village.code.in_(user.villages))
        )
    )
    if not codes:
        raise NotFound(f"您负责的村中没有户编号为 {number} 的贫困户")
    if len(codes) > 1:
        raise InputError(f"户编号 {number} 在您负责的多个村都有, 请同时选择行政村")
    return codes[0]


def _scope(session: Session, user: Account, village: str | None, household: str | None) -> Scope:
    if village:
        village = allowed_village(session, user, village).code
    elif len(user.villages) == 1:  # an account of one village: the audit of that village
        village = user.villages[0]
    elif household and scoped(user):
        village = _household_village(session, user, household)
    scope = resolve_scope(session, village, household)
    if scope.village_code and not village_allowed(user, scope.village_code):
        raise Forbidden(f"贫困户 {household} 不在您负责的村范围内")
    return scope


class _Others:
    """What in a scoped account's findings comes from villages outside its own: items
    filed there, and roster rows and households of those villages named in the text
    (audit.facts names a household "<村名> <户编号> 号户 <户主>", a roster row
    "花名册 <household>: ...")."""

    def __init__(self, session: Session, user: Account, findings: list[dict[str, Any]]) -> None:
        self.mine = set(user.villages)
        ids = {e["document_id"] for f in findings for e in f["evidence"] if e["document_id"]}
        self.item_villages = (
            dict(
                session.execute(
                    select(Document.id, Village.code)
                    .join(Village, Document.village_id == Village.id)
                    .where(Document.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
        names = [
            re.escape(name)
            for code, name in session.execute(select(Village.code, Village.name))
            if code not in self.mine
        ]
        self.label = (
            re.compile(
                rf"(?<!\w)(?:{'|'.join(names)}) [^\s()（）:：,，、]+ 号户 [^\s()（）:：,，、]+"
            )
            if names
            else None
        )

    def evidence(self, evidence: dict[str, Any]) -> bool:
        if evidence["document_id"]:
            return self.item_villages.get(evidence["document_id"]) not in self.mine
        return bool(self.label and self.label.match(evidence["excerpt"].removeprefix("花名册 ")))

    def text(self, text: str) -> str:
        return self.label.sub(OTHER_HOUSEHOLD, text) if self.label else text


def _limit(session: Session, user: Account, report: dict[str, Any]) -> dict[str, Any]:
    """The report cut down to the account's villages; evidence from other villages
    withheld and their households left unnamed."""
    if not scoped(user):
        return report
    mine = set(user.villages)
    findings = [f for f in report["findings"] if f["village_code"] in mine]
    others = _Others(session, user, findings)
    for finding in findings:
        finding["message"] = others.text(finding["message"])
        finding["evidence"] = [
            {"document_id": None, "archival_code": None, "page": None, "excerpt": WITHHELD}
            if others.evidence(e)
            else e
            for e in finding["evidence"]
        ]
    scores = [s for s in report["scores"] if s["village_code"] in mine]
    for score in scores:
        for deduction in score["deductions"]:
            deduction["message"] = others.text(deduction["message"])
    counts = Counter(f["rule"] for f in findings)
    return {
        **report,
        "villages": [v for v in report["villages"] if v["code"] in mine],
        "households": [h for h in report["households"] if h["village_code"] in mine],
        "rules": [{**r, "findings": counts[r["code"]]} for r in report["rules"]],
        "summary": {s: sum(1 for f in findings if f["severity"] == s) for s in report["summary"]},
        "findings": findings,
        "scores": scores,
    }


def _masked(report: dict[str, Any], user: Account) -> dict[str, Any]:
    if full_ids(user):
        return report
    for finding in report["findings"]:
        finding["message"] = _mask(finding["message"], user)
        for evidence in finding["evidence"]:
            evidence["excerpt"] = _mask(evidence["excerpt"], user)
    for score in report["scores"]:
        for deduction in score["deductions"]:
            deduction["message"] = _mask(deduction["message"], user)
    return report


def audit_json(
    arc: Archive,
    user: Account,
    village: str | None = None,
    household: str | None = None,
    rules: list[str] | None = None,
) -> dict[str, Any]:
    """The audit as `user` may see it (not journaled: the caller journals the read)."""
    with arc.db.read() as session:
        scope = _scope(session, user, _clean(village), _clean(household))
        report = run_audit(
            session,
            arc.scheme,
            load_settings(arc.settings.home),
            scope,
            rule_codes(rules) or None,
            rubric=load_rubric(arc.settings.home),
        )
        report = _limit(session, user, report)
    return _masked(report, user)


@router.get("/audit", responses={**ERRORS, 400: {"description": "未知的检查规则等输入错误"}})
def audit(
    request: Request,
    user: Auditor,
    village: Annotated[str | None, Query(max_length=100, description="村代码或村名")] = None,
    household: Annotated[
        str | None, Query(max_length=100, description="户编号(多个村有同一编号时同时给出村)")
    ] = None,
    rule: Annotated[
        list[str] | None, Query(description="只检查这些规则代码, 可重复", max_length=50)
    ] = None,
) -> dict[str, Any]:
    """档案检查(同 `dangan audit --json`): `{generated_at, scope, journal_head, villages,
    rules, summary, findings, scores}`, 限于本人负责的村; 记入日志。"""
    arc = get_archive(request)
    report = audit_json(arc, user, village, household, rule)
    request.app.state.read_journal.record_audit(
        arc, user, report, rule_codes(rule), "api", dedupe=False
    )
    return report
