"""Reading order of the text lines an engine found on a page, shared by every engine.

Engines return text lines with their boxes, and their own order suits running text, not
forms: tesseract orders a form's cells column by column, so a label and its value
("户主姓名 张三") land far apart; both engines split a table row whose cell wraps onto two
lines, putting the row's other cells, centred between those lines, before the second
line or after the first ("1 就业扶持……月 / 工资500元"). Here the two lines of a wrapped
cell are joined first, then lines are put into the rows a reader sees, top to bottom,
each row left to right with a space between its pieces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dangan.ingest.ocr.words import join_words

ROW_OVERLAP = 0.5
"""A line joins a row when its vertical overlap with the row's band is at least this
share of the shorter of the two heights."""
WRAP_GAP = 0.25
"""The second line of a wrapped cell starts at most this many line heights below the first.
In the demo's forms a wrapped cell's boxes touch or overlap (gap -4 to -8 px on 44 px
lines) while a table's header sits 16-17 px (0.36 of a line) over the row below it."""
WRAP_OVERLAP = 0.3
"""...and overlaps it horizontally by at least this share of the narrower line..."""
WRAP_BETWEEN = 0.25
"""...and some line beside them (another cell of the row) has its centre between theirs,
at least this share of the way from either: without such a neighbour the two lines read
in the right order as they are, and a heading over its first paragraph stays apart."""


@dataclass(frozen=True)
class TextLine:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    engine: str = ""
    """What read this line, e.g. "tesseract:chi_sim" or "rapidocr:PP-OCRv6-rec" (a line
    tesseract doubted, read again: `ingest.ocr.reread`); empty on a line put together
    from others."""
    confidence: float | None = None
    """The least confidence among the line's words (tesseract) or the line's own
    (RapidOCR), 0.0-1.0."""

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _beside(line: TextLine, upper: TextLine, lower: TextLine) -> bool:
    margin = WRAP_BETWEEN * (lower.middle - upper.middle)
    return (
        upper.middle + margin < line.middle < lower.middle - margin
        and _overlap(line.left, line.right, upper.left, upper.right) <= 0
        and _overlap(line.left, line.right, lower.left, lower.right) <= 0
    )


def _wraps(upper: TextLine, lower: TextLine, lines: list[TextLine]) -> bool:
    """Whether `lower` continues `upper` in one table cell (see WRAP_GAP and after)."""
    height = max(upper.height, lower.height, 1.0)
    gap = lower.top - upper.bottom
    narrower = min(upper.right - upper.left, lower.right - lower.left)
    return (
        -0.3 * height <= gap <= WRAP_GAP * height
        and _overlap(upper.left, upper.right, lower.left, lower.right) >= WRAP_OVERLAP * narrower
        and any(_beside(x, upper, lower) for x in lines if x is not upper and x is not lower)
    )


def joined(parts: list[TextLine], gaps: list[bool] | None = None) -> TextLine:
    """`parts` (words of a line, lines of a cell) as one line spanning their boxes, their
    text joined by `join_words` (`gaps[i]` keeps a space before part i)."""
    return TextLine(
        join_words([x.text for x in parts], gaps),
        min(x.left for x in parts),
        min(x.top for x in parts),
        max(x.right for x in parts),
        max(x.bottom for x in parts),
    )


def _join_wrapped(lines: list[TextLine]) -> list[TextLine]:
    """Each wrapped cell's lines joined into one line spanning their boxes."""
    lines = sorted(lines, key=lambda x: x.top)
    used: set[int] = set()
    out: list[TextLine] = []
    for i, first in enumerate(lines):
        if i in used:
            continue
        cell = [first]
        for j in range(i + 1, len(lines)):
            if j not in used and _wraps(cell[-1], lines[j], lines):
                cell.append(lines[j])
                used.add(j)
        out.append(joined(cell) if len(cell) > 1 else first)
    return out


def _rows(lines: Iterable[TextLine]) -> list[list[TextLine]]:
    """Lines in rows: a line joins the row when it overlaps the row's mean band. The band
    does not grow with each line, or a slightly tilted table would chain row after row
    into one."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda x: x.middle):
        if rows:
            row = rows[-1]
            top = sum(x.top for x in row) / len(row)
            bottom = sum(x.bottom for x in row) / len(row)
            shorter = min(bottom - top, line.height)
            if (
                shorter > 0
                and _overlap(top, bottom, line.top, line.bottom) >= ROW_OVERLAP * shorter
            ):
                row.append(line)
                continue
        rows.append([line])
    return rows


def page_text(lines: Iterable[TextLine]) -> str:
    """A page's text from its lines: the rows of `reading_order`, one per line."""
    return "\n".join(reading_order(lines))


def reading_order(lines: Iterable[TextLine]) -> list[str]:
    """The page's text, one string per visual row, in the order a reader takes it."""
    out = []
    for row in _rows(_join_wrapped(list(lines))):
        pieces = [x.text for x in sorted(row, key=lambda x: x.left)]
        text = join_words(pieces, [i > 0 for i in range(len(pieces))])
        if text:
            out.append(text)
    return out
