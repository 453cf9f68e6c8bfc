"""Reading help measures (帮扶措施) out of text: each line that names a measure, with the
date it was taken, its category and its counted quantities.

The 扶贫手册, the work log (工作日志) and the plan sheet (脱贫计划落实情况表) write the
same measure in different words and layouts: a table row "二〇一八年七月二日 就业扶持
推荐到镇工业园务工，月工资2200元", a log entry under the heading "7月2日 星期一" of the
month "2018年7月", a row "1 就业扶持：... 2018年7月2日 已落实". What they share, and what
the audit compares, is the date, the category (matched by the wordings of each category
in scheme.toml's [measures], not by string) and the numbers with their units.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dangan.archive.facts import dates, normalise

_UNITS = (
    "万元|元|头|只|羽|尾|株|棵|亩|平方米|㎡|间|套|台|千瓦|kW|吨|公斤|斤|箱|个|人|天|次|月|年"
)
_QUANTITY = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNITS})")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_MONTH_HEADING = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_DAY = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@dataclass(frozen=True)
class Measure:
    date: dt.date | None
    category: str
    line: str
    """The line it was read from, as written (the evidence's excerpt)."""
    quantities: tuple[tuple[float, str], ...]
    """(number, unit) in the order written, 万元 turned into 元."""

    def counts(self) -> dict[str, tuple[float, ...]]:
        """The numbers per unit, e.g. {"元": (2200.0,)}."""
        out: dict[str, list[float]] = {}
        for value, unit in self.quantities:
            out.setdefault(unit, []).append(value)
        return {unit: tuple(values) for unit, values in out.items()}


def quantities(line: str) -> tuple[tuple[float, str], ...]:
    """Every number with a unit on the line; dates are taken out first so that 7月 or
    2018年 do not count as quantities."""
    text = re.sub(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?", " ", line)
    text = _DAY.sub(" ", text)
    found = []
    for value, unit in _QUANTITY.findall(text.replace(",", "")):
        number = float(value)
        if unit == "万元":
            number, unit = number * 10000, "元"
        found.append((number, unit))
    return tuple(found)


@functools.lru_cache(maxsize=8)
def _matcher(
    vocabulary: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every wording (longest first, so that 产业扶持 beats 产业), and
    the category of each."""
    category = {}
    for name, wordings in vocabulary:
        for word in (name, *wordings):
            category.setdefault(word, name)
    words = sorted(category, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), category


def category_of(line: str, vocabulary: Mapping[str, Sequence[str]]) -> str | None:
    """The category whose name or wording comes first on the line (a written category,
    "产业扶持：发放种猪2头", wins over the words of its content)."""
    pattern, category = _matcher(tuple((k, tuple(v)) for k, v in vocabulary.items()))
    found = pattern.search(line)
    return category[found.group()] if found else None


_ROW_START = re.compile(
    rf"^(?:(?:19|20)\d{{2}}\s*年|\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|[〇零○一二三四五六七八九十]+[、.]"
    rf"|[〇零○二]{{1}}[〇零○一二三四五六七八九]{{3}}年|\d{{1,3}}(?!\d|\s*(?:{_UNITS}|\.\d)))"
)
"""What starts a new entry or table row: a date, a year, a day heading, a section
number (五、) or a row number (a number that counts nothing)."""


def dated_records(text: str, year: int | None = None) -> list[tuple[dt.date | None, str]]:
    """The text cut into entries, each with the date it belongs to. A line that does not
    start a row (see _ROW_START) or a label continues the one above unless that one
    ended a sentence: OCR and narrow columns wrap an entry ("...月工" / "资4400元。"). An entry's date is a full date
    written in it, else a day ("6月7日") in the year of the latest year or month heading
    above it (or `year`: a later page of a log carries no heading), else the date of the
    entry above (a log's day heading dates its lines)."""
    records: list[list[str]] = []
    for raw in normalise(text).splitlines():
        line = raw.strip()
        if not line:
            continue
        if (
            records
            and not records[-1][-1].endswith(("。", "！", "？", "；", ";"))
            and not _ROW_START.match(line)
            and not re.search(r"[:：]", line[:8])
        ):
            records[-1].append(line)
        else:
            records.append([line])
    out: list[tuple[dt.date | None, str]] = []
    current: dt.date | None = None
    for lines in records:
        record = "".join(lines)
        written = dates(record)
        heading = _MONTH_HEADING.search(record)
        day = _DAY.search(record)
        year_only = _YEAR.search(record)
        if written:
            current = written[0]
            year = current.year
        elif heading:
            year = int(heading.group(1))
        elif day and year:
            with contextlib.suppress(ValueError):  # 2月30日: an OCR slip, not a day
                current = dt.date(year, int(day.group(1)), int(day.group(2)))
        elif year_only:
            year = int(year_only.group(1))
        out.append((current, record))
    return out


def read_measures(
    text: str, vocabulary: Mapping[str, Sequence[str]], year: int | None = None
) -> list[Measure]:
    """The measures named in `text`: one per line that holds a category's name or
    wording and at least one counted quantity (a plan's "落实产业扶持措施" names a kind
    of measure, not one taken). `year` dates days written without one until the text
    names a year (the item's year, for a page that is not the first)."""
    found = []
    for date, line in dated_records(text, year):
        category = category_of(line, vocabulary)
        if category is None:
            continue
        counted = quantities(line)
        if counted:
            found.append(Measure(date, category, line, counted))
    return found
