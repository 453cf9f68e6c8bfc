"""Reading the sources of the three-way check (三对照): what the 扶贫手册, the work
log, the archive's other forms and the roster say about each household's members,
helper, income and help measures, each reading with the item, page and line it came
from. The rules compare these readings; they never read text themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import facts as text_facts
from dangan.archive.measures import read_measures
from dangan.archive.models import Document, Household, Page
from dangan.audit.findings import Evidence

COUNTED_STATUSES = ("filed", "needs_review")
"""Items that count as received: filed, or waiting for a person to confirm the guess."""

MANUAL, INFO_FORM, LOG, ROSTER = "扶贫手册", "信息采集表", "工作日志", "花名册"
SOURCE_OF_TYPE = {
    "H07": MANUAL,
    "H05": INFO_FORM,
    "H08": "结对帮扶登记表",
    "H09": "脱贫计划落实情况表",
    "H11": "年度收入调查表",
    "H12": "帮扶联系卡",
}
"""The household items read, and the name each source has in a finding."""


@dataclass(frozen=True)
class Reading:
    source: str
    value: Any
    evidence: Evidence


@dataclass
class HouseholdReadings:
    members: list[Reading] = field(default_factory=list)
    helpers: list[Reading] = field(default_factory=list)
    """value: a helper's name, one reading per name a source gives."""
    incomes: list[Reading] = field(default_factory=list)
    """value: (year, income per person)."""
    measures: list[Reading] = field(default_factory=list)
    """value: an archive.measures.Measure."""
    sources: set[str] = field(default_factory=set)
    """The sources the archive holds for the household (read or not)."""


@dataclass(frozen=True)
class _Text:
    document_id: int
    archival_code: str | None
    doc_type: str
    household_id: int | None
    village_id: int | None
    year: int | None
    pages: tuple[tuple[int, str], ...]


def _texts(session: Session, types: Iterable[str]) -> list[_Text]:
    docs = session.execute(
        select(
            Document.id,
            Document.archival_code,
            Document.doc_type,
            Document.household_id,
            Document.village_id,
            Document.year,
        )
        .where(Document.doc_type.in_(list(types)), Document.status.in_(COUNTED_STATUSES))
        .order_by(Document.id)
    ).all()
    pages: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = [d.id for d in docs]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = session.execute(
            select(Page.document_id, Page.page_no, Page.text)
            .where(Page.document_id.in_(chunk))
            .order_by(Page.document_id, Page.page_no)
        )
        for document_id, page_no, text in rows:
            pages[document_id].append((page_no, text or ""))
    return [_Text(*d, tuple(pages.get(d.id, ()))) for d in docs]


def _evidence(item: _Text, page: int, line: str) -> Evidence:
    return Evidence(line.strip()[:200], item.document_id, item.archival_code, page)


def _line_with(text: str, needle: str) -> str:
    norm = text_facts.normalise(text)
    return next((line for line in norm.splitlines() if needle in line), needle)


def read_household_sources(
    session: Session, vocabulary: dict[str, tuple[str, ...]]
) -> dict[int, HouseholdReadings]:
    """Household id → what its papers say (the roster's side is in audit.facts)."""
    out: dict[int, HouseholdReadings] = defaultdict(HouseholdReadings)
    for item in _texts(session, SOURCE_OF_TYPE):
        if item.household_id is None:
            continue
        source = SOURCE_OF_TYPE[item.doc_type]
        got = out[item.household_id]
        got.sources.add(source)
        for page, text in item.pages:
            members = text_facts.members(text)
            if members is not None:
                got.members.append(
                    Reading(source, members, _evidence(item, page, _line_with(text, "人口")))
                )
            for name in text_facts.helper_names(text):
                got.helpers.append(
                    Reading(source, name, _evidence(item, page, _line_with(text, name)))
                )
            for year, income, line in text_facts.incomes_by_year(text, item.year):
                got.incomes.append(Reading(source, (year, income), _evidence(item, page, line)))
            for measure in read_measures(text, vocabulary, item.year):
                got.measures.append(Reading(source, measure, _evidence(item, page, measure.line)))
    return out


def read_log_measures(
    session: Session, vocabulary: dict[str, tuple[str, ...]], heads: dict[int, dict[str, int]]
) -> dict[int, list[Reading]]:
    """Household id → the measures the work logs of its village record for it: a log
    line that names the household's head (heads: village id → head name → household id)
    and a measure."""
    out: dict[int, list[Reading]] = defaultdict(list)
    for item in _texts(session, ("V03",)):
        names = heads.get(item.village_id or 0, {})
        if not names:
            continue
        for page, text in item.pages:
            for measure in read_measures(text, vocabulary, item.year):
                named = [hid for name, hid in names.items() if name in measure.line]
                if len(named) == 1:
                    out[named[0]].append(Reading(LOG, measure, _evidence(item, page, measure.line)))
    return out


def village_heads(session: Session) -> dict[int, dict[str, int]]:
    """Village id → head of household's name → household id, for names that are unique
    within their village (a name two households share cannot say which one a log meant)."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(list)
    for hid, vid, name in session.execute(
        select(Household.id, Household.village_id, Household.head_name)
    ):
        counts[(vid, name)].append(hid)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for (vid, name), ids in counts.items():
        if len(ids) == 1 and len(name) >= 2:
            out[vid][name] = ids[0]
    return out


@dataclass
class VillageReadings:
    meetings: list[Reading] = field(default_factory=list)
    """value: the day a meeting was held (会议记录)."""
    notices: list[Reading] = field(default_factory=list)
    """value: (first day, last day) a 公示 was posted."""
    unread: list[Reading] = field(default_factory=list)
    """value: what could not be read ("会议日期", "公示期"); the item as evidence."""


_RANGE = re.compile(r"(至|到|—|－|-|~|～)")


def _posting_period(text: str) -> tuple[dt.date, dt.date, str] | None:
    """The period a 公示 was posted: two dates joined by 至 (到, a dash) on the line that
    names the 公示 (公示时间, 公示期) or else on any line."""
    lines = text_facts.normalise(text).splitlines()
    ordered = [line for line in lines if "公示" in line] + lines
    for line in ordered:
        found = text_facts.dates(line)
        if len(found) >= 2 and _RANGE.search(line):
            return found[0], found[1], line
    return None


def read_village_sources(session: Session) -> dict[int, VillageReadings]:
    """Village id → its meetings (会议记录, V02) and the posting periods of its 公示 (V05)."""
    out: dict[int, VillageReadings] = defaultdict(VillageReadings)
    dated = dict(
        session.execute(
            select(Document.id, Document.date).where(Document.doc_type.in_(("V02", "V05")))
        ).all()
    )
    for item in _texts(session, ("V02", "V05")):
        if item.village_id is None:
            continue
        got = out[item.village_id]
        text = "\n".join(t for _, t in item.pages)
        page = item.pages[0][0] if item.pages else 1
        if item.doc_type == "V02":
            day = text_facts.document_date(text) or dated.get(item.document_id)
            first_line = next((ln for ln in text.splitlines() if ln.strip()), "会议记录")
            reading = Reading("会议记录", day, _evidence(item, page, first_line))
            (got.meetings if day else got.unread).append(
                reading if day else Reading("会议记录", "会议日期", reading.evidence)
            )
        elif "公示" in text_facts.normalise(text):
            period = _posting_period(text)
            if period and period[1] >= period[0]:
                got.notices.append(Reading("公示", period[:2], _evidence(item, page, period[2])))
            else:
                got.unread.append(
                    Reading("公示", "公示期", _evidence(item, page, text.strip()[:40]))
                )
    return out
