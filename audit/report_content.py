"""What every written report shows, arranged once from the report dict (`run_audit`'s
shape) so that the spreadsheet, the Word file, the HTML page and the PDF say the same:
the heading facts, then one chapter per village with its score, its deductions each
beside the finding behind it, and its findings grouped by household."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from dangan.archive.printing import china_time, clean

SEVERITY_NAMES = {"error": "问题", "warning": "提示", "info": "说明"}
VILLAGE_WIDE = "全村"


def points(value: float) -> str:
    """86.0 → "86", 0.5 → "0.5"."""
    return f"{value:g}"


@dataclass(frozen=True)
class EvidenceLine:
    source: str
    """Where it was read: an archival code, "花名册", or an item not yet coded."""
    page: int | None
    excerpt: str
    png: bytes | None = None
    """The picture the evidence is (a signature field's crop), when the report has it."""

    @property
    def data_uri(self) -> str:
        return f"data:image/png;base64,{base64.b64encode(self.png or b'').decode()}"

    @property
    def where(self) -> str:
        return f"{self.source} 第 {self.page} 页" if self.page else self.source

    @property
    def shows_where(self) -> bool:
        """False where the excerpt names its source itself ("花名册 白沙村 ...: ...")."""
        return not self.excerpt.startswith(self.source)

    @property
    def text(self) -> str:
        return f"{self.where}: {self.excerpt}" if self.shows_where else self.excerpt


@dataclass(frozen=True)
class FindingView:
    number: int
    """1, 2, ... within its village: deductions refer to it."""
    anchor: str
    rule: str
    rule_title: str
    severity: str
    severity_name: str
    household_no: str | None
    household: str
    message: str
    evidence: tuple[EvidenceLine, ...]


@dataclass(frozen=True)
class DeductionView:
    number: int
    section: str
    rule: str
    household_no: str | None
    household: str
    points: float
    message: str
    finding: FindingView | None

    @property
    def points_text(self) -> str:
        return points(self.points) if self.points else "0(本项分值已扣完)"


@dataclass(frozen=True)
class HouseholdGroup:
    household_no: str | None
    label: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class Chapter:
    code: str
    name: str
    score: float | None
    max: float | None
    deductions: tuple[DeductionView, ...]
    findings: tuple[FindingView, ...]
    households: tuple[HouseholdGroup, ...]
    counts: dict[str, int]
    """Findings by severity name (问题, 提示, 说明)."""

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def score_text(self) -> str:
        if self.score is None or self.max is None:
            return "未评分"
        return f"{points(self.score)} / {points(self.max)}"

    @property
    def points_taken(self) -> float:
        return sum(d.points for d in self.deductions)


@dataclass(frozen=True)
class RuleLine:
    code: str
    title: str
    findings: int


@dataclass(frozen=True)
class Content:
    title: str
    generated: str
    """When it was made, in China time."""
    generated_at: str
    """The report's own UTC timestamp."""
    scope: str
    journal_seq: int | None
    journal_hash: str
    summary: dict[str, int]
    """Findings by severity name."""
    rules: tuple[RuleLine, ...]
    chapters: tuple[Chapter, ...]


def scope_text(scope: dict[str, Any]) -> str:
    """ "全部村", "白沙村(003)" or "白沙村(003) 017 号户"."""
    if not scope.get("village_code"):
        text = "全部村"
    else:
        text = f"{scope.get('village') or scope['village_code']}({scope['village_code']})"
    if scope.get("household_no"):
        text += f" {scope['household_no']} 号户"
    return clean(text)


def household_label(household_no: str | None, head: str | None = None) -> str:
    """ "017 号户 王建国" (the head when the report names it), or the village-wide label."""
    if not household_no:
        return VILLAGE_WIDE
    return f"{household_no} 号户 {head}" if head else f"{household_no} 号户"


def _evidence(item: dict[str, Any]) -> EvidenceLine:
    if item.get("archival_code"):
        source = item["archival_code"]
    elif item.get("document_id") is not None:
        source = f"文件 {item['document_id']}(未编档号)"
    else:
        source = "花名册"
    return EvidenceLine(
        clean(source), item.get("page"), clean(item.get("excerpt") or ""), item.get("png")
    )


def _severity_counts(findings: list[FindingView] | tuple[FindingView, ...]) -> dict[str, int]:
    return {
        name: sum(1 for f in findings if f.severity == severity)
        for severity, name in SEVERITY_NAMES.items()
    }


def _chapter(
    code: str,
    name: str,
    findings: list[dict[str, Any]],
    score: dict[str, Any] | None,
    titles: dict[str, str],
    heads: dict[str | None, str | None],
) -> Chapter:
    views = []
    for number, f in enumerate(findings, 1):
        views.append(
            FindingView(
                number=number,
                anchor=f"f-{code}-{number}",
                rule=clean(f["rule"]),
                rule_title=clean(titles.get(f["rule"], "")),
                severity=f["severity"],
                severity_name=SEVERITY_NAMES.get(f["severity"], clean(f["severity"])),
                household_no=f["household_no"],
                household=clean(household_label(f["household_no"], heads.get(f["household_no"]))),
                message=clean(f["message"]),
                evidence=tuple(_evidence(e) for e in f.get("evidence") or ()),
            )
        )
    # A deduction is a finding's (scores.py walks the findings in order): take the first
    # unclaimed finding with its rule, household and message.
    unclaimed: dict[tuple[str, str | None, str], list[FindingView]] = defaultdict(list)
    for view, f in zip(views, findings, strict=True):
        unclaimed[(f["rule"], f["household_no"], f["message"])].append(view)
    deductions = []
    for number, d in enumerate((score or {}).get("deductions") or (), 1):
        queue = unclaimed.get((d["rule"], d["household_no"], d["message"]))
        deductions.append(
            DeductionView(
                number=number,
                section=clean(d["section"]),
                rule=clean(d["rule"]),
                household_no=d["household_no"],
                household=clean(household_label(d["household_no"], heads.get(d["household_no"]))),
                points=float(d["points"]),
                message=clean(d["message"]),
                finding=queue.pop(0) if queue else None,
            )
        )
    groups: dict[str | None, list[FindingView]] = {}
    for view in views:
        groups.setdefault(view.household_no, []).append(view)
    return Chapter(
        code=clean(code),
        name=clean(name),
        score=None if score is None else float(score["score"]),
        max=None if score is None else float(score["max"]),
        deductions=tuple(deductions),
        findings=tuple(views),
        households=tuple(
            HouseholdGroup(no, clean(household_label(no, heads.get(no))), tuple(group))
            for no, group in groups.items()
        ),
        counts=_severity_counts(views),
    )


def arrange(report: dict[str, Any]) -> Content:
    """The report dict, arranged for the written formats."""
    titles = {r["code"]: r["title"] for r in report.get("rules") or ()}
    names = {v["code"]: v["name"] for v in report.get("villages") or ()}
    scores = {s["village_code"]: s for s in report.get("scores") or ()}
    by_village: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in report.get("findings") or ():
        by_village[finding["village_code"]].append(finding)
    # every village of the report, then any other a finding or score names
    codes = list(names)
    codes += [c for c in [*by_village, *scores] if c not in codes]
    heads: dict[str, dict[str | None, str | None]] = defaultdict(dict)
    for h in report.get("households") or ():
        heads[h["village_code"]][h["household_no"]] = h.get("head_name")
    chapters = tuple(
        _chapter(
            code,
            names.get(code, code),
            by_village.get(code, []),
            scores.get(code),
            titles,
            heads[code],
        )
        for code in codes
    )
    township = report.get("township") or {}
    head = report.get("journal_head") or {}
    summary = report.get("summary") or {}
    return Content(
        title=clean(f"{township.get('name', '')}档案检查报告"),
        generated=china_time(report["generated_at"]),
        generated_at=clean(report["generated_at"]),
        scope=scope_text(report.get("scope") or {}),
        journal_seq=head.get("seq"),
        journal_hash=clean(head.get("hash") or ""),
        summary={name: int(summary.get(s, 0)) for s, name in SEVERITY_NAMES.items()},
        rules=tuple(
            RuleLine(clean(r["code"]), clean(r["title"]), int(r["findings"]))
            for r in report.get("rules") or ()
        ),
        chapters=chapters,
    )
