"""Village scores after a rubric (`rubric.toml`, seed 001's sections by default): each
finding deducts from its rule's section until the section is used up, and every
deduction is listed with the finding behind it."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangan.archive.errors import InputError
from dangan.audit.findings import Finding

_DEFAULT = Path(__file__).with_name("rubric.toml")


@dataclass(frozen=True)
class Section:
    name: str
    points: float
    per_finding: float
    rules: tuple[str, ...]


def load_rubric(home: Path | None = None) -> tuple[Section, ...]:
    """`home`/rubric.toml if there is one, else the packaged default (seed 001)."""
    path = home / "rubric.toml" if home and (home / "rubric.toml").exists() else _DEFAULT
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sections = tuple(
            Section(s["name"], float(s["points"]), float(s["per_finding"]), tuple(s["rules"]))
            for s in data["section"]
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: 评分细则无法读取: {exc}") from exc
    seen: dict[str, str] = {}
    for section in sections:
        for rule in section.rules:
            if rule in seen:
                raise InputError(f"{path}: 规则 {rule} 同时属于“{seen[rule]}”和“{section.name}”")
            seen[rule] = section.name
    return sections


def score_villages(
    findings: list[Finding], villages: list[str], rubric: tuple[Section, ...]
) -> list[dict[str, Any]]:
    """One score per village code in `villages`: {village_code, score, max, deductions};
    a deduction names its section, the finding's rule, household and message, and the
    points taken (0 once the section is used up)."""
    section_of = {rule: section for section in rubric for rule in section.rules}
    full = sum(section.points for section in rubric)
    by_village: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.severity == "error" and finding.rule in section_of:
            by_village[finding.village_code].append(finding)
    scores = []
    for code in villages:
        left = {section.name: section.points for section in rubric}
        deductions = []
        for finding in by_village.get(code, []):
            section = section_of[finding.rule]
            points = min(section.per_finding, left[section.name])
            left[section.name] -= points
            deductions.append(
                {
                    "section": section.name,
                    "rule": finding.rule,
                    "household_no": finding.household_no,
                    "points": points,
                    "message": finding.message,
                }
            )
        taken = sum(d["points"] for d in deductions)
        scores.append(
            {"village_code": code, "score": full - taken, "max": full, "deductions": deductions}
        )
    return scores
