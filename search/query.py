"""The user's query string as a backend-neutral structure.

Syntax (full-width punctuation and Chinese quotes are accepted):

- ``扶贫 手册``: every word must match (a Chinese word matches its characters adjacent);
- ``"危房 改造"`` or ``“危房改造”``: a phrase;
- ``低保 OR 五保`` (also ``|``): either;
- ``-销毁``: not;
- filters ``村:白沙村`` ``户:017`` (a household number, head name or ID number)
  ``类型:H07`` ``年度:2016-2018`` ``状态:待审核`` (English: village, household, type,
  year, status); several values with commas: ``类型:H07,H08``;
- an ID number (18 characters, X check digit) or an archival code (档号, or the start of
  one) anywhere is an exact term.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dangan.search import analysis
from dangan.search.backend import Term

FIELDS = {
    "村": "village",
    "行政村": "village",
    "village": "village",
    "户": "household",
    "贫困户": "household",
    "户号": "household",
    "户编号": "household",
    "household": "household",
    "类型": "type",
    "文件类型": "type",
    "type": "type",
    "年度": "year",
    "年份": "year",
    "年": "year",
    "year": "year",
    "状态": "status",
    "status": "status",
    "档号": "code",
    "code": "code",
    "身份证": "id",
    "身份证号": "id",
    "id": "id",
}
STATUSES = {
    "已归档": "filed",
    "归档": "filed",
    "filed": "filed",
    "待审核": "needs_review",
    "needs_review": "needs_review",
    "全部": "all",
    "all": "all",
}
OR_WORDS = {"OR", "|", "||"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_TOKEN = re.compile(r'(-?)(?:([^\s:"]+):)?(?:"([^"]*)"?|(\S+))')
_YEAR_RANGE = re.compile(r"^(\d{4})?\s*(?:-|\.\.|~|至|到)\s*(\d{4})?$")


class QueryError(ValueError):
    """A filter the user wrote cannot be understood; the message is for the user."""


@dataclass
class ParsedQuery:
    text: str
    groups: list[tuple[Term, ...]] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)
    households: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    statuses: list[str] = field(default_factory=list)  # "all" lifts the default

    def highlight_terms(self) -> list[str]:
        """The words and phrases to mark in snippets (not exclusions)."""
        return [t.text for group in self.groups for t in group if t.kind in ("word", "phrase")]


def classify(word: str) -> Term:
    """A bare word: an ID number, an archival code, or text."""
    compact = word.replace(" ", "")
    if analysis.is_id_number(compact):
        return Term("id", analysis.normalise(compact).upper())
    if analysis.is_archival_code(word):
        return Term("code", analysis.normalise_code(word))
    return Term("word", word)


def _values(raw: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,、;]", raw) if v.strip()]


def parse_year(raw: str) -> tuple[int | None, int | None]:
    """ "2016" → (2016, 2016); "2016-2018", "2016..2018", "-2018", "2016-" → a range."""
    value = raw.strip().removesuffix("年")
    if re.fullmatch(r"\d{4}", value):
        return int(value), int(value)
    match = _YEAR_RANGE.match(value)
    if not match or not (match.group(1) or match.group(2)):
        raise QueryError(f"年度应写成 2016 或 2016-2018: {raw}")
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(2)) if match.group(2) else None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def parse_query(text: str) -> ParsedQuery:
    """Parse `text`; unknown ``name:value`` prefixes are searched as plain words."""
    source = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    parsed = ParsedQuery(text=text or "")
    pending: list[Term] = []  # the OR group being built
    join_next = False
    for match in _TOKEN.finditer(source):
        negate, name, quoted, bare = match.groups()
        if quoted is None and bare in OR_WORDS and not negate and not name:
            join_next = bool(pending)
            continue
        key = FIELDS.get(name.lower()) if name else None
        if name and key is None:  # "http://x" or "比例:1" are words
            bare = f"{name}:{bare if quoted is None else quoted}"
            quoted = None
        value = quoted if quoted is not None else bare
        if key in ("village", "household", "type", "year", "status"):
            _apply_filter(parsed, key, value)
            continue
        if not value.strip():
            continue
        if key == "id":
            term = Term("id", analysis.normalise(value.replace(" ", "")).upper())
        elif key == "code":
            term = Term("code", analysis.normalise_code(value))
        elif quoted is not None:
            term = Term("phrase", value)
        else:
            term = classify(value)
        if negate:
            parsed.exclude.append(term)
            continue
        if join_next and pending:
            pending.append(term)
        else:
            if pending:
                parsed.groups.append(tuple(pending))
            pending = [term]
        join_next = False
    if pending:
        parsed.groups.append(tuple(pending))
    return parsed


def _apply_filter(parsed: ParsedQuery, key: str, value: str) -> None:
    values = _values(value)
    if key == "village":
        parsed.villages.extend(values)
    elif key == "household":
        parsed.households.extend(values)
    elif key == "type":
        parsed.doc_types.extend(v.upper() for v in values)
    elif key == "year":
        parsed.year_from, parsed.year_to = parse_year(value)
    elif key == "status":
        for v in values:
            status = STATUSES.get(v.lower())
            if status is None:
                raise QueryError(f"状态应为 已归档、待审核 或 全部: {v}")
            parsed.statuses.append(status)
