"""Splitting a multi-page scan that holds several forms.

A new part starts at a page whose first few non-empty lines hold a known form title
(申请书, 入户调查表, ...) as a heading: a short line without sentence punctuation that
ends with the title, give or take a year or a "(2016年度)" after it. OCR noise is
tolerated: spaces and punctuation are ignored, and a title of four or more characters
may have one wrong, missing or extra character. A title in running text ("根据本人申请书
所述，...") does not split, nor does a continuation heading ("审批表（续）").
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from dangan.archive.chinese import to_simplified
from dangan.ingest.ocr.words import is_cjk

HEAD_LINES = 3
"""How many non-empty lines at the top of a page may hold the title."""
MAX_HEADING_EXTRA = 24
"""Characters a heading may have besides the title (e.g. "建档立卡贫困户" before it)."""
FUZZY_MIN_LENGTH = 4
_SENTENCE = re.compile(r"[，。；！？,;!?]|(?<!\d)[:：](?!$)")
_TRAILER = re.compile(r"^(?:\d{2,4}年度?|\d{1,4}|[一二三四五六七八九十]{1,2})?$")
_CONTINUED = re.compile(r"[(（]?续(?:表|页)?[)）]?$")
# "四、帮扶计划", "(二)帮扶措施", "3.帮扶成效", "第四部分": a section of the form in hand.
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．]|第[一二三四五六七八九十\d]{1,3}[部章节])"
)

_MARKS = "。.,，、'\"“”‘’>|·-_ "
# "、帮扶计划": a section whose ordinal ("三") OCR lost; an enumeration comma follows an
# ordinal and never opens a title.
_ORDINAL_LOST = re.compile(r"^[“\"'‘>|·]*[、]")
# "信息采集表 每": one character standing apart at the end of a heading is a mark OCR read
# off a stamp or a rule; words after a title are longer ("申请书 审核意见").
_LONE_AFTER = re.compile(r"\s+\S$")


def normalise(text: str) -> str:
    """Only CJK characters, letters and digits, full-width folded: OCR spaces and
    punctuation vary too much to compare."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if is_cjk(ch) or (ch.isalnum() and ord(ch) < 0x2E80))


def _titles(titles: list[str]) -> list[str]:
    """Normalised titles, longest first; "申请表/申请书" counts as two titles."""
    out = {normalise(part) for title in titles for part in re.split(r"[/、|]", title)}
    return sorted((t for t in out if len(t) >= 2), key=len, reverse=True)


def _find(title: str, line: str) -> int | None:
    """End index in `line` of an occurrence of `title` (fuzzy for long titles), or None."""
    at = line.rfind(title)
    if at >= 0:
        return at + len(title)
    if len(title) < FUZZY_MIN_LENGTH:
        return None
    best: int | None = None
    for size in (len(title) - 1, len(title), len(title) + 1):
        for start in range(0, len(line) - size + 1):
            window = line[start : start + size]
            if Levenshtein.distance(window, title, score_cutoff=1) <= 1:
                end = start + size
                best = end if best is None else max(best, end)
    return best


def heading_title(line: str, titles: list[str]) -> str | None:
    """The title a heading line announces, or None for running text and other lines."""
    line = unicodedata.normalize("NFKC", line).strip()
    # OCR puts stray marks (。, “, >) before and after a heading.
    raw = line.strip(_MARKS)
    if not raw or _ORDINAL_LOST.match(line) or _CONTINUED.search(raw):
        return None
    raw = _LONE_AFTER.sub("", raw).strip(_MARKS)
    if not raw or _SENTENCE.search(raw.rstrip(":：")) or _SECTION.match(raw):
        return None
    norm = normalise(raw)
    if not norm or norm.endswith("续表"):
        return None
    for title in _titles(titles):
        end = _find(title, norm)
        if end is None:
            continue
        if len(norm) - len(title) > MAX_HEADING_EXTRA:
            continue
        if _TRAILER.match(norm[end:]) is None:
            continue  # words after the title: "申请书审核意见" is not a heading
        return title
    return None


def page_title(page: str, titles: list[str]) -> str | None:
    """The form title that starts `page`, if one of its first HEAD_LINES non-empty lines is
    a heading (see `heading_title`)."""
    lines = [line for line in page.splitlines() if normalise(line)]
    for line in lines[:HEAD_LINES]:
        found = heading_title(line, titles)
        if found:
            return found
    return None


def split_points(pages: list[str], titles: list[str]) -> list[tuple[int, int]]:
    """1-based inclusive page ranges of the parts of a scan; a single range means no split.

    A part starts at page 1 and at each later page that begins with a form title. Pages
    before the first title found are a part of their own: OCR often loses a title, and a
    page that precedes a new form's title page is not part of that form. No pages, no parts.
    """
    if not pages:
        return []
    starts = [i + 1 for i, page in enumerate(pages) if i > 0 and page_title(page, titles)]
    bounds = [1, *starts]
    ends = [s - 1 for s in starts] + [len(pages)]
    return list(zip(bounds, ends, strict=True))
