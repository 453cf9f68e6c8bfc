"""The facts an item's text holds for the audit, read once and kept with the item.

The pipeline reads them when it classifies an item and stores them in
`Document.extra["facts"]`; the audit uses the stored facts and reads a text again only
when they are missing, of an older version, or of another document type (the item was
refiled). A county's audit then reads a few values per item instead of every page.

Which facts are read depends on the type: the day the identification papers (申请, 调查,
评议, 审批) are dated as written, members from the 扶贫手册 and the 信息采集表,
helpers from the manual and the 结对帮扶登记表, incomes from the manual, the information
form, the plan sheet and the income survey, help measures from the manual, the plan
sheet and the work log, the days of visits (入户走访) from the work log, a meeting's day
from minutes, a posting period from a 公示, the name, number and birth date printed on
an ID card's copy.
Every fact keeps the page and the line it was read from (the audit's evidence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dangan.archive import facts as text_facts
from dangan.archive.measures import Measure, dated_records, read_measures

FACTS_VERSION = 5
"""Raised whenever what is read changes, so that stored facts are read again."""

TYPED = ("text", "docx", "sheet", "ofd")
"""A page's `engine` when its text was taken as typed (a PDF text layer, a Word file, a
spreadsheet's cells, an OFD's text), not read by OCR: its digits are as written."""

READ: dict[str, tuple[str, ...]] = {
    "H01": ("written",),
    "H02": ("written",),
    "H03": ("written",),
    "H04": ("written",),
    "H07": ("members", "helpers", "incomes", "measures"),
    "H05": ("members", "incomes"),
    "H08": ("helpers",),
    "H09": ("incomes", "measures"),
    "H11": ("incomes",),
    "H15": ("identity",),
    "V02": ("meeting",),
    "V03": ("measures", "visits"),
    "V05": ("notice",),
}
"""The facts read from each document type; other types hold none the audit compares."""

_RANGE_WORDS = ("至", "到", "—", "－", "-", "~", "～")

VISIT_WORDS = ("入户", "走访", "家访", "看望", "慰问", "回访", "到户")
"""Words by which a log entry records a visit to a household (which household is for the
audit to say, from the names the entry holds)."""


def _line_with(text: str, needle: str) -> str:
    norm = text_facts.normalise(text)
    return next((line for line in norm.splitlines() if needle in line), needle)


def _posting_period(pages: Sequence[tuple[int, str]]) -> list[Any] | None:
    """[first day, last day, page, line] of a 公示: two dates joined by 至 (到, a dash)
    on a line that names the 公示 (公示时间, 公示期), else on any line."""
    for wanted in (True, False):
        for page, text in pages:
            for line in text_facts.normalise(text).splitlines():
                if wanted and "公示" not in line:
                    continue
                found = text_facts.dates(line)
                if len(found) >= 2 and any(w in line for w in _RANGE_WORDS):
                    return [found[0].isoformat(), found[1].isoformat(), page, line]
    return None


def _identity(text: str) -> list[Any] | None:
    """[name, ID number, birth date, line] as an ID card (居民身份证) prints them, each
    None where it cannot be read; None for a page that is no card (no 出生 or number)."""
    norm = text_facts.normalise(text)
    birth_line = next((line for line in norm.splitlines() if "出生" in line), None)
    born = text_facts.dates(birth_line) if birth_line else []
    numbers = text_facts.id_numbers(norm)
    if not born and not numbers:
        return None
    return [
        text_facts.labelled(norm, "姓名"),
        numbers[0] if numbers else None,
        born[0].isoformat() if born else None,
        birth_line or _line_with(norm, numbers[0]),
    ]


def read_document_facts(
    doc_type: str | None,
    pages: Sequence[tuple[int, str]],
    year: int | None,
    measure_words: Mapping[str, Sequence[str]],
    ocr: bool = True,
) -> dict[str, Any] | None:
    """The facts of one item as plain JSON values; None for a type that holds none.
    `ocr`: some of its text was read by OCR (a digit may be misread), not typed."""
    wanted = READ.get(doc_type or "")
    if wanted is None:
        return None
    out: dict[str, Any] = {"v": FACTS_VERSION, "type": doc_type, "ocr": ocr}
    for kind in wanted:
        out[kind] = []
    for page, text in pages:
        if "members" in wanted:
            members = text_facts.members(text)
            if members is not None:
                out["members"].append([members, page, _line_with(text, "人口")])
        if "helpers" in wanted:
            out["helpers"].extend(
                [name, page, _line_with(text, name)] for name in text_facts.helper_names(text)
            )
        if "incomes" in wanted:
            out["incomes"].extend(
                [y, amount, page, line]
                for y, amount, line in text_facts.incomes_by_year(text, year)
            )
        if "identity" in wanted:
            card = _identity(text)
            if card is not None:
                out["identity"].append([*card, page])
        if "measures" in wanted:
            out["measures"].extend(
                [
                    m.date.isoformat() if m.date else None,
                    m.category,
                    [list(q) for q in m.quantities],
                    page,
                    m.line,
                ]
                for m in read_measures(text, measure_words, year)
            )
    if "visits" in wanted:
        months: set[str] = set()
        carried: dt.date | None = None
        for page, text in pages:
            for day, entry in dated_records(text, year, carried):
                if day is None:
                    continue
                carried = day
                months.add(f"{day.year}-{day.month:02d}")
                if any(w in entry for w in VISIT_WORDS):
                    out["visits"].append([day.isoformat(), page, entry])
        out["months"] = sorted(months)
    whole = "\n".join(text for _, text in pages)
    if "written" in wanted:
        # the day the paper was dated, as written on it: not the day it was photographed
        day = text_facts.document_date(whole)
        out["written"] = day.isoformat() if day else None
    if "meeting" in wanted:
        day = text_facts.document_date(whole)
        first = next((line.strip() for line in whole.splitlines() if line.strip()), "会议记录")
        out["meeting"] = [day.isoformat() if day else None, pages[0][0] if pages else 1, first]
    if "notice" in wanted:
        norm = text_facts.normalise(whole)
        out["notice"] = _posting_period(pages) if "公示" in norm else None
        out["is_notice"] = "公示" in norm
        out["posting"] = _posting(norm, out["notice"], year)
    return out


def _posting(norm: str, period: list[Any] | None, year: int | None) -> list[Any] | None:
    """[公示 or 公告, "identify" or "exit", year] of a notice of one round of
    identification (纳入) or exit (脱贫, 退出); None when it is neither kind of notice.
    What it is comes from its title (the first lines), else from its text; its year is
    its posting's first day's, else its first date's, else the item's."""
    head = "\n".join(norm.splitlines()[:3])
    what = next((w for w in ("公示", "公告") if w in head), None) or next(
        (w for w in ("公示", "公告") if w in norm), None
    )
    if what is None:
        return None
    kind = "exit" if any(w in norm for w in ("脱贫", "退出")) else "identify"
    written = text_facts.dates(norm)
    when = int(period[0][:4]) if period else written[0].year if written else year
    return [what, kind, when]


def measure_of(stored: list[Any]) -> Measure:
    """A measure as `read_document_facts` stored it."""
    day, category, quantities, _page, line = stored
    return Measure(
        dt.date.fromisoformat(day) if day else None,
        category,
        line,
        tuple((float(v), u) for v, u in quantities),
    )
