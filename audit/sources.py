"""The sources of the three-way check (三对照) and of the village rules: what the
扶贫手册, the work log, the archive's other forms, the minutes and the 公示 say, each
reading with the item, page and line it came from. The facts were read when the item
was classified (`archive.document_facts`, kept in `Document.extra["facts"]`); an item
whose stored facts are missing or stale is read here. The rules compare readings; they
never read text themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, cast, select, true
from sqlalchemy.orm import Session

from dangan.archive.document_facts import (
    FACTS_VERSION,
    READ,
    TYPED,
    measure_of,
    read_document_facts,
)
from dangan.archive.models import Document, Household, Page
from dangan.audit.findings import Evidence

COUNTED_STATUSES = ("filed", "needs_review")
"""Items that count as received: filed, or waiting for a person to confirm the guess."""

MANUAL, INFO_FORM, LOG, ROSTER = "扶贫手册", "信息采集表", "工作日志", "花名册"
ID_COPY = "身份证复印件"
SOURCE_OF_TYPE = {
    "H07": MANUAL,
    "H05": INFO_FORM,
    "H08": "结对帮扶登记表",
    "H09": "脱贫计划落实情况表",
    "H11": "年度收入调查表",
    "H15": ID_COPY,
}
"""The household items compared, and the name each source has in a finding."""
VISIT_PHOTO = "H16"
"""走访照片: its date (taken, from EXIF) is a visit's day."""


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
    identity: list[Reading] = field(default_factory=list)
    """value: (name, ID number, birth date) as an ID card's copy prints them, each None
    where it could not be read."""
    written: list[Reading] = field(default_factory=list)
    """value: (document type, the day it is dated as written on it, whether that was read
    by OCR) of each of the identification papers (H01-H04) whose date could be read."""
    visits: list[Reading] = field(default_factory=list)
    """value: the day of a visit (入户走访) a work log records or a 走访照片 shows."""
    sources: set[str] = field(default_factory=set)
    """The sources the archive holds for the household (read or not)."""


@dataclass
class VillageReadings:
    meetings: list[Reading] = field(default_factory=list)
    """value: the day a meeting was held (会议记录)."""
    notices: list[Reading] = field(default_factory=list)
    """value: (first day, last day) a 公示 was posted."""
    unread: list[Reading] = field(default_factory=list)
    """value: what could not be read ("会议日期", "公示期"); the item as evidence."""
    unplaced_visits: list[Reading] = field(default_factory=list)
    """value: the day of a visit to a household (HOUSEHOLD_WORDS) a work log records
    whose household could not be told (the head's name misread, or not unique)."""
    logs: list[Reading] = field(default_factory=list)
    """value: (year, month), one for each month a work log has dated entries for."""
    postings: list[Reading] = field(default_factory=list)
    """value: (公示 or 公告, "identify" or "exit", year or None): the notices of each
    round of identification and exit (两公示一公告)."""


@dataclass(frozen=True)
class Item:
    id: int
    archival_code: str | None
    doc_type: str
    household_id: int | None
    village_id: int | None
    date: dt.date | None
    facts: dict[str, Any]

    def evidence(self, page: int | None, line: str) -> Evidence:
        return Evidence(line.strip()[:200], self.id, self.archival_code, page)


def in_village(village_id: int | None) -> ColumnElement[bool]:
    """Items of one village, its own papers and its households' (classifying and filing
    give a household's item its household's village); every item for None. One indexed
    column: a county's audit asks this once per village."""
    return true() if village_id is None else Document.village_id == village_id


def read_items(
    session: Session, measure_words: Mapping[str, Sequence[str]], village_id: int | None = None
) -> Iterator[Item]:
    """Every received item of a type that holds facts, with its facts: as stored, or
    read now from its pages when none are stored for its version and type; and every
    走访照片, with none (its date is what counts)."""
    rows = session.execute(
        select(
            Document.id,
            Document.archival_code,
            Document.doc_type,
            Document.household_id,
            Document.village_id,
            Document.date,
            Document.year,
            Document.extra,
        )
        .where(
            Document.doc_type.in_([*READ, VISIT_PHOTO]),
            Document.status.in_(COUNTED_STATUSES),
            in_village(village_id),
        )
        .order_by(Document.id)
    ).all()
    stale = []
    for row in rows:
        stored = (row.extra or {}).get("facts")
        if row.doc_type not in READ:
            yield Item(*row[:6], {})
        elif stored and stored.get("v") == FACTS_VERSION and stored.get("type") == row.doc_type:
            yield Item(*row[:6], stored)
        else:
            stale.append(row)
    for start in range(0, len(stale), 2000):
        chunk = stale[start : start + 2000]
        pages: dict[int, list[tuple[int, str]]] = defaultdict(list)
        ocr: set[int] = set()
        for document_id, page_no, text, engine in session.execute(
            select(Page.document_id, Page.page_no, Page.text, Page.engine)
            .where(Page.document_id.in_([r.id for r in chunk]))
            .order_by(Page.document_id, Page.page_no)
        ):
            pages[document_id].append((page_no, text or ""))
            if engine not in TYPED:
                ocr.add(document_id)
        for row in chunk:
            read = read_document_facts(
                row.doc_type, pages.get(row.id, []), row.year, measure_words, ocr=row.id in ocr
            )
            yield Item(*row[:6], read or {})


def village_heads(session: Session, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Village id → head of household's name → household id, for names that are unique
    within their village (a name two households share cannot say which one a log meant)."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(list)
    query = select(Household.id, Household.village_id, Household.head_name)
    if village_id is not None:
        query = query.where(Household.village_id == village_id)
    for hid, vid, name in session.execute(query):
        counts[(vid, name)].append(hid)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for (vid, name), ids in counts.items():
        if len(ids) == 1 and len(name) >= 2:
            out[vid][name] = ids[0]
    return out


def _household(item: Item, got: HouseholdReadings) -> None:
    if item.facts.get("written"):
        day = dt.date.fromisoformat(item.facts["written"])
        read = "识别" if item.facts.get("ocr", True) else "原文"
        got.written.append(
            Reading(
                item.doc_type,
                (item.doc_type, day, item.facts.get("ocr", True)),
                item.evidence(None, f"落款日期 {day}({read})"),
            )
        )
    source = SOURCE_OF_TYPE.get(item.doc_type)
    if source is None:
        return
    got.sources.add(source)
    facts = item.facts
    for value, page, line in facts.get("members", ()):
        got.members.append(Reading(source, value, item.evidence(page, line)))
    for name, page, line in facts.get("helpers", ()):
        got.helpers.append(Reading(source, name, item.evidence(page, line)))
    for year, amount, page, line in facts.get("incomes", ()):
        got.incomes.append(Reading(source, (year, amount), item.evidence(page, line)))
    for name, number, born, line, page in facts.get("identity", ()):
        day = dt.date.fromisoformat(born) if born else None
        got.identity.append(Reading(source, (name, number, day), item.evidence(page, line)))
    for stored in facts.get("measures", ()):
        got.measures.append(
            Reading(source, measure_of(stored), item.evidence(stored[3], stored[4]))
        )


HOUSEHOLD_WORDS = ("贫困户", "户主", "困难户", "脱贫户", "监测户")
"""Words by which a log entry speaks of one household: a visit entry with one of them
but no head the roster knows is a visit the audit could not place (a name misread);
without them it is the village's work (安排入户走访, 入户排查), no one household's."""

_AS_HELPER = "(?:责任人|帮扶人|帮扶干部|包户干部)[：:]?"


def _household_named(line: str, names: dict[str, int]) -> int | None:
    """The household whose head an entry names; None when it names none, or several (a
    name within a longer one named counts as the longer one's). A head named as the helper (帮扶责任人王某: a helper can be a registered household, which
    the audit reports) is not the household the entry is about."""
    named = {name: hid for name, hid in names.items() if name in line}
    # 林红 is named inside 林红花: the longer name is the one written
    named = {n: hid for n, hid in named.items() if not any(n in m and n != m for m in named)}
    if len(named) > 1:
        named = {
            name: hid
            for name, hid in named.items()
            if not re.search(_AS_HELPER + re.escape(name), line)
        }
    return next(iter(named.values())) if len(named) == 1 else None


def _log(
    item: Item, names: dict[str, int], out: dict[int, HouseholdReadings], got: VillageReadings
) -> None:
    """A work log's measures and visits go to the household whose head an entry names
    (only one); the months it covers go to its village."""
    facts = item.facts
    for stored in facts.get("measures", ()):
        line = stored[4]
        named = _household_named(line, names)
        if named is not None:
            household = out[named]
            household.sources.add(LOG)
            household.measures.append(
                Reading(LOG, measure_of(stored), item.evidence(stored[3], line))
            )
    for day, page, line in facts.get("visits", ()):
        named = _household_named(line, names)
        reading = Reading(LOG, dt.date.fromisoformat(day), item.evidence(page, line))
        if named is not None:
            out[named].visits.append(reading)
        elif any(w in line for w in HOUSEHOLD_WORDS):
            got.unplaced_visits.append(reading)
    for month in facts.get("months", ()):
        got.logs.append(
            Reading(LOG, (int(month[:4]), int(month[5:7])), item.evidence(None, f"{LOG} {month}"))
        )


def _village(item: Item, got: VillageReadings) -> None:
    facts = item.facts
    if item.doc_type == "V02" and "meeting" in facts:
        day, page, line = facts["meeting"]
        held = dt.date.fromisoformat(day) if day else item.date
        if held:
            got.meetings.append(Reading("会议记录", held, item.evidence(page, line)))
        else:
            got.unread.append(Reading("会议记录", "会议日期", item.evidence(page, line)))
    if item.doc_type == "V05" and facts.get("posting"):
        what, kind, year = facts["posting"]
        got.postings.append(Reading(what, (what, kind, year), item.evidence(None, what)))
    if item.doc_type == "V05" and facts.get("is_notice"):
        period = facts.get("notice")
        if period and period[1] >= period[0]:
            start, end = dt.date.fromisoformat(period[0]), dt.date.fromisoformat(period[1])
            got.notices.append(Reading("公示", (start, end), item.evidence(period[2], period[3])))
        else:
            got.unread.append(Reading("公示", "公示期", item.evidence(None, "公示")))


@dataclass(frozen=True)
class UnsignedField:
    document_id: int
    archival_code: str | None
    doc_type: str | None
    title: str | None
    household_id: int | None
    village_id: int | None
    index: int
    """Its place in the item's signature fields (`Document.extra["signatures"]`)."""
    page: int
    label: str
    ink: float

    def evidence(self) -> Evidence:
        return Evidence(
            f"{self.title or self.doc_type}: {self.label}处 (墨迹 {self.ink:.1%})",
            self.document_id,
            self.archival_code,
            self.page,
            self.index,
        )


def unsigned_fields(session: Session, village_id: int | None = None) -> Iterator[UnsignedField]:
    """Every signature field left unsigned on a received item (the fields were found
    when its pages were read: `ingest.signatures`). The database picks the items by the
    text of their JSON, so that a county's audit does not load every item's."""
    rows = session.execute(
        select(
            Document.id,
            Document.archival_code,
            Document.doc_type,
            Document.title,
            Document.household_id,
            Document.village_id,
            Document.extra,
        )
        .where(
            Document.status.in_(COUNTED_STATUSES),
            cast(Document.extra, String).like('%"signed": false%'),
            in_village(village_id),
        )
        .order_by(Document.id)
    )
    for row in rows:
        for index, found in enumerate((row.extra or {}).get("signatures") or ()):
            if not found.get("signed", True):
                yield UnsignedField(
                    *row[:6], index, found["page"], found["label"], float(found["ink"])
                )


def read_sources(
    session: Session, measure_words: Mapping[str, Sequence[str]], village_id: int | None = None
) -> tuple[dict[int, HouseholdReadings], dict[int, VillageReadings]]:
    """(household id → what its papers and the work logs say, village id → its minutes
    and 公示), of one village or of all."""
    households: dict[int, HouseholdReadings] = defaultdict(HouseholdReadings)
    villages: dict[int, VillageReadings] = defaultdict(VillageReadings)
    heads = village_heads(session, village_id)
    for item in read_items(session, measure_words, village_id):
        if item.doc_type == "V03":
            if item.village_id is not None:
                _log(item, heads.get(item.village_id, {}), households, villages[item.village_id])
        elif item.doc_type == VISIT_PHOTO:
            if item.household_id is not None and item.date is not None:
                households[item.household_id].visits.append(
                    Reading("走访照片", item.date, item.evidence(None, "走访照片"))
                )
        elif item.doc_type in ("V02", "V05"):
            if item.village_id is not None:
                _village(item, villages[item.village_id])
        elif item.household_id is not None:
            _household(item, households[item.household_id])
    return households, villages
