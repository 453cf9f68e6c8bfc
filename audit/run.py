"""One audit: the facts read, every rule (or the chosen ones) judged, the findings
limited to the scope asked for, and the report in DESIGN.md's JSON shape."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.errors import InputError
from dangan.archive.models import Township, Village, utcnow
from dangan.archive.queries import resolve_household, resolve_village
from dangan.archive.scheme import Scheme
from dangan.audit.facts import read_facts
from dangan.audit.findings import SEVERITIES, Finding
from dangan.audit.rules import BY_CODE, RULES, Context
from dangan.audit.scores import Section, load_rubric, score_villages
from dangan.audit.settings import AuditSettings


@dataclass(frozen=True)
class Scope:
    village_code: str | None = None
    village_name: str | None = None
    household_no: str | None = None

    def holds(self, finding: Finding) -> bool:
        if self.village_code and finding.village_code != self.village_code:
            return False
        return not self.household_no or finding.household_no == self.household_no

    def as_dict(self) -> dict[str, Any]:
        return {
            "village_code": self.village_code,
            "village": self.village_name,
            "household_no": self.household_no,
        }


def resolve_scope(session: Session, village: str | None, household: str | None) -> Scope:
    """The scope named on the command line or in a query: a village by code or name, a
    household by its number (within the village, when one is given)."""
    row = resolve_village(session, village) if village else None
    if household:
        found = resolve_household(session, row, household)
        return Scope(found.village.code, found.village.name, found.household_no)
    return Scope(row.code, row.name) if row else Scope()


def run_audit(
    session: Session,
    scheme: Scheme,
    settings: AuditSettings,
    scope: Scope = Scope(),
    rules: list[str] | None = None,
    today: dt.date | None = None,
    rubric: tuple[Section, ...] | None = None,
) -> dict[str, Any]:
    """{generated_at, scope, journal_head, township, villages, households, rules, summary,
    findings, scores} (households: those the findings name, with their heads):
    the findings of `rules` (all by default) within `scope`, households in archive
    order, and each village's score after `rubric` (the packaged one by default)."""
    unknown = [code for code in rules or () if code not in BY_CODE]
    if unknown:
        raise InputError(f"没有检查规则 {'、'.join(unknown)}: 可选 {'、'.join(BY_CODE)}")
    chosen = [BY_CODE[code] for code in rules] if rules else list(RULES)
    ctx = Context(scheme, settings, today or dt.date.today())
    findings: list[Finding] = []
    heads: dict[tuple[str, str], str] = {}
    across = [rule for rule in chosen if rule.across_villages]
    if across:
        roster = read_facts(session, scheme.measures, papers=False)
        findings += [f for rule in across for f in rule.check(roster, ctx) if scope.holds(f)]
        heads.update(((h.village_code, h.household_no), h.head_name) for h in roster.households)
    # One village's papers at a time: a county's would not fit in memory at once.
    within = [rule for rule in chosen if not rule.across_villages]
    for village_id in session.scalars(
        select(Village.id)
        .where(true() if scope.village_code is None else Village.code == scope.village_code)
        .order_by(Village.code)
    ):
        facts = read_facts(session, scheme.measures, village_id)
        findings += [f for rule in within for f in rule.check(facts, ctx) if scope.holds(f)]
        heads.update(((h.village_code, h.household_no), h.head_name) for h in facts.households)
    order = {code: i for i, code in enumerate(BY_CODE)}
    findings.sort(key=lambda f: (f.village_code, f.household_no or "", order[f.rule], f.message))
    villages = [
        {"code": code, "name": name}
        for code, name in session.execute(select(Village.code, Village.name).order_by(Village.code))
        if scope.village_code in (None, code)
    ]
    scores = score_villages(
        findings, [v["code"] for v in villages], load_rubric() if rubric is None else rubric
    )
    named = dict.fromkeys((f.village_code, f.household_no) for f in findings if f.household_no)
    townships = session.execute(select(Township.fonds, Township.name)).all()
    seq, digest = journal.head(session)
    by_rule = Counter(f.rule for f in findings)
    return {
        "generated_at": utcnow().replace(tzinfo=dt.UTC).isoformat(timespec="seconds"),
        "scope": scope.as_dict(),
        "journal_head": {"seq": seq, "hash": digest},
        "township": (
            {"fonds": townships[0].fonds, "name": townships[0].name}
            if len(townships) == 1
            else None
        ),
        "villages": villages,
        "households": [
            {"village_code": v, "household_no": n, "head_name": heads.get((v, n))} for v, n in named
        ],
        "rules": [{"code": r.code, "title": r.title, "findings": by_rule[r.code]} for r in chosen],
        "summary": {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
        "findings": [f.as_dict() for f in findings],
        "scores": scores,
    }
