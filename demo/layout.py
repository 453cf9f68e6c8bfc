"""Page layout of a document's blocks: wrapped lines, table grids, seals, ID cards.

Positions are in PDF points (1/72 inch) from the top-left corner of the page, so the
same layout drives the page images (``render``) and the text PDF (``pdftext``), and the
ground truth's text per page is the text of exactly the lines placed on that page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

from dangan.demo.forms import (
    Document,
    Gap,
    Grid,
    IdCard,
    PageBreak,
    Para,
    Seal,
    Sig,
    V,
    cell_text,
    id_card_lines,
)
from dangan.demo.tradmap import to_traditional

PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (595.28, 841.89),
    "A4L": (841.89, 595.28),
    "A5": (419.53, 595.28),
}
MARGINS: dict[str, tuple[float, float, float, float]] = {  # left, top, right, bottom
    "A4": (64.0, 62.0, 64.0, 62.0),
    "A4L": (50.0, 48.0, 50.0, 48.0),
    "A5": (40.0, 44.0, 40.0, 40.0),
}

# -- fonts -------------------------------------------------------------------------

FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/local/share/fonts",
    "/System/Library/Fonts",
)
FONT_FILES = {
    "serif": "NotoSerifCJK-Regular.ttc",
    "sans": "NotoSansCJK-Regular.ttc",
    "bold": "NotoSansCJK-Bold.ttc",
}
FACE_SC = 2
FACE_TC = 3


class FontMissing(RuntimeError):
    pass


@cache
def font_file(key: str) -> Path:
    """The font file for ``key`` (serif, sans, bold; hand uses sans). The folder can be set
    with DANGAN_DEMO_FONT_DIR."""
    name = FONT_FILES["sans" if key == "hand" else key]
    dirs = [os.environ["DANGAN_DEMO_FONT_DIR"]] if os.environ.get("DANGAN_DEMO_FONT_DIR") else []
    for d in [*dirs, *FONT_DIRS]:
        p = Path(d) / name
        if p.is_file():
            return p
    if key == "bold":
        return font_file("sans")
    raise FontMissing(
        f"CJK font {name} not found (install fonts-noto-cjk or set DANGAN_DEMO_FONT_DIR)"
    )


def face_index(traditional: bool) -> int:
    return FACE_TC if traditional else FACE_SC


@lru_cache(maxsize=256)
def pil_font(key: str, px: int, traditional: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(font_file(key)), px, index=face_index(traditional), layout_engine=ImageFont.Layout.BASIC
    )


_ADVANCES: dict[tuple[str, bool], dict[str, float]] = {}


def advance(key: str, ch: str, traditional: bool = False) -> float:
    """Advance width of ``ch`` in em (font units / 1000)."""
    table = _ADVANCES.setdefault((key, traditional), {})
    w = table.get(ch)
    if w is None:
        if "\u3400" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uff60" or "\u3000" <= ch <= "\u303f":
            w = 1.0  # ideographs and full-width punctuation are one em in Noto CJK
        else:
            w = pil_font(key, 1000, traditional).getlength(ch) / 1000.0
        table[ch] = w
    return w


def text_width(text: str, key: str, size: float, traditional: bool = False) -> float:
    return sum(advance(key, ch, traditional) for ch in text) * size


# -- layout output -----------------------------------------------------------------


@dataclass
class Run:
    x: float
    y: float  # baseline
    text: str
    font: str  # serif | sans | bold | hand
    size: float


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.8


@dataclass
class Stamp:
    cx: float
    cy: float
    r: float
    text: str


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    kind: str  # card | photo | emblem


@dataclass
class Page:
    width: float
    height: float
    runs: list[Run] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    stamps: list[Stamp] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_CLOSING = set("，。、；：！？）》”’」』%．,.;:!?)")
_WORD = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-/%")


def _tokens(chars: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Split (char, font) pairs into unbreakable tokens: ASCII words stay together and
    closing punctuation sticks to what comes before it."""
    out: list[list[tuple[str, str]]] = []
    for ch, font in chars:
        if out and ((ch in _WORD and out[-1][-1][0] in _WORD) or ch in _CLOSING):
            out[-1].append((ch, font))
        else:
            out.append([(ch, font)])
    return out


class _Layout:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.trad = doc.traditional
        self.w, self.h = PAGE_SIZES[doc.page]
        self.ml, self.mt, self.mr, self.mb = MARGINS[doc.page]
        self.pages: list[Page] = []
        self.last_line: tuple[float, float, float] | None = None  # x0, x1, y centre
        self.new_page()

    @property
    def content_width(self) -> float:
        return self.w - self.ml - self.mr

    def new_page(self) -> None:
        self.page = Page(self.w, self.h)
        self.pages.append(self.page)
        self.y = self.mt

    def font_of(self, run: str, base: str) -> str:
        if isinstance(run, Sig) or (isinstance(run, V) and self.doc.handwritten):
            return "hand"
        return base

    def adv(self, ch: str, font: str) -> float:
        return advance(font, ch, self.trad)

    def wrap(
        self, chars: list[tuple[str, str]], width: float, size: float, first_indent: float = 0.0
    ) -> list[list[tuple[str, str]]]:
        lines: list[list[tuple[str, str]]] = [[]]
        used = first_indent
        for tok in _tokens(chars):
            tw = sum(self.adv(c, f) for c, f in tok) * size
            if lines[-1] and used + tw > width + 0.01:
                # a token longer than a line is split by character
                if tw > width:
                    for c, f in tok:
                        cw = self.adv(c, f) * size
                        if lines[-1] and used + cw > width + 0.01:
                            lines.append([])
                            used = 0.0
                        lines[-1].append((c, f))
                        used += cw
                    continue
                lines.append([])
                used = 0.0
            lines[-1].extend(tok)
            used += tw
        return lines

    def place_line(
        self, line: list[tuple[str, str]], x: float, baseline: float, size: float
    ) -> float:
        """Place one line's runs from x; returns the end x."""
        i = 0
        while i < len(line):
            font = line[i][1]
            j = i
            while j < len(line) and line[j][1] == font:
                j += 1
            text = "".join(c for c, _ in line[i:j])
            if text.strip():
                self.page.runs.append(Run(x, baseline, text, font, size))
            x += sum(self.adv(c, font) for c, _ in line[i:j]) * size
            i = j
        return x

    def para(self, p: Para) -> None:
        chars = [(ch, self.font_of(run, p.font)) for run in p.runs for ch in run]
        if not chars:
            return
        lh = p.size * 1.55
        indent = p.indent * p.size
        lines = self.wrap(chars, self.content_width, p.size, indent)
        self.y += p.before
        for k, line in enumerate(lines):
            if self.y + lh > self.h - self.mb:
                self.new_page()
            width = sum(self.adv(c, f) for c, f in line) * p.size
            x = self.ml + (indent if k == 0 else 0.0)
            if p.align == "center":
                x = self.ml + (self.content_width - width) / 2
            elif p.align == "right":
                x = self.w - self.mr - width
            baseline = self.y + (lh - p.size) / 2 + p.size * 0.88
            self.place_line(line, x, baseline, p.size)
            self.page.lines.append("".join(c for c, _ in line))
            self.last_line = (x, x + width, self.y + lh / 2)
            self.y += lh
        self.y += p.after

    def grid(self, g: Grid) -> None:
        total = sum(g.widths)
        ncols = len(g.widths)
        xs = [self.ml]
        for wgt in g.widths:
            xs.append(xs[-1] + self.content_width * wgt / total)
        pad = 3.5
        lh = g.size * 1.35
        started = False
        for row in g.rows:
            cells: list[tuple[float, float, list[list[tuple[str, str]]], str]] = []
            col = 0
            for cell in row:
                span = cell[1] if isinstance(cell, tuple) else 1
                text = cell[0] if isinstance(cell, tuple) else cell
                x0, x1 = xs[col], xs[min(col + span, ncols)]
                chars = [(ch, self.font_of(text, "serif")) for ch in text]
                lines = self.wrap(chars, x1 - x0 - 2 * pad, g.size) if chars else []
                cells.append((x0, x1, lines, text))
                col += span
            height = max([g.min_height] + [len(c[2]) * lh + 2 * pad for c in cells])
            if self.y + height > self.h - self.mb and started:
                self.page.rules.append(Rule(xs[0], self.y, xs[-1], self.y))
                self.new_page()
            top = self.y
            self.page.rules.append(Rule(xs[0], top, xs[-1], top))
            self.page.rules.append(Rule(xs[0], top, xs[0], top + height))
            for x0, x1, lines, _ in cells:
                self.page.rules.append(Rule(x1, top, x1, top + height))
                block_h = len(lines) * lh
                y = top + (height - block_h) / 2
                for line in lines:
                    width = sum(self.adv(c, f) for c, f in line) * g.size
                    x = x0 + pad if len(lines) > 1 else x0 + (x1 - x0 - width) / 2
                    self.place_line(line, x, y + (lh - g.size) / 2 + g.size * 0.88, g.size)
                    y += lh
            self.page.lines.append(" ".join(t for t in (cell_text(c) for c in row) if t))
            self.y = top + height
            started = True
        self.page.rules.append(Rule(xs[0], self.y, xs[-1], self.y))

    def seal(self, s: Seal) -> None:
        r = 56.0 if self.doc.page != "A5" else 42.0
        if self.last_line is not None:
            x0, x1, yc = self.last_line
            cx = min((x0 + x1) / 2 + s.dx, self.w - self.mr - r * 0.6)
            cy = yc + 6.0
        else:
            cx, cy = self.w - self.mr - r, self.y
        self.page.stamps.append(Stamp(cx, cy, r, s.text))

    def id_card(self, card: IdCard) -> None:
        cw, ch = 243.0, 153.0  # 85.6 x 54 mm
        x = self.ml + (self.content_width - cw) / 2

        def tr(text: str) -> str:
            return to_traditional(text) if self.trad else text

        def label(dx: float, dy: float, text: str) -> None:
            self.page.runs.append(Run(x + dx, y + dy, tr(text), "sans", 7.5))

        def value(dx: float, dy: float, text: str, size: float = 9.5, font: str = "serif") -> None:
            self.page.runs.append(Run(x + dx, y + dy, text, font, size))

        # front: name, sex, nation, birth, address, number, photo
        y = self.y + 10
        self.page.boxes.append(Box(x, y, cw, ch, "card"))
        self.page.boxes.append(Box(x + cw - 82, y + 22, 62, 78, "photo"))
        label(14, 26, "姓名")
        value(40, 26, card.name)
        label(14, 46, "性别")
        value(40, 46, card.sex)
        label(80, 46, "民族")
        value(104, 46, card.nation)
        label(14, 66, "出生")
        value(40, 66, f"{card.birth.year}年{card.birth.month}月{card.birth.day}日")
        label(14, 86, "住址")
        for k in range(0, len(card.address), 12):
            value(40, 86 + (k // 12) * 12, card.address[k : k + 12], 9)
        label(14, 136, "公民身份号码")
        value(72, 137, card.id_number, 11, "sans")
        # back: emblem, title, authority, validity
        y = y + ch + 24
        self.page.boxes.append(Box(x, y, cw, ch, "card"))
        self.page.boxes.append(Box(x + 16, y + 14, 40, 40, "emblem"))
        value(76, 38, tr("中华人民共和国"), 14, "bold")
        value(62, 84, tr("居民身份证"), 22, "bold")
        label(40, 118, "签发机关")
        value(86, 118, card.authority, 9)
        label(40, 136, "有效期限")
        value(86, 136, card.valid, 9)
        self.page.lines.extend(tr(line) for line in id_card_lines(card))
        self.y = y + ch + 10

    def run(self) -> list[Page]:
        for block in self.doc.blocks:
            if isinstance(block, Para):
                self.para(block)
            elif isinstance(block, Grid):
                self.grid(block)
            elif isinstance(block, Seal):
                self.seal(block)
            elif isinstance(block, Gap):
                self.y += block.height
                if self.y > self.h - self.mb:
                    self.new_page()
            elif isinstance(block, PageBreak):
                self.new_page()
            elif isinstance(block, IdCard):
                self.id_card(block)
        return [p for p in self.pages if p.runs or p.rules or p.boxes] or self.pages[:1]


def layout(doc: Document) -> list[Page]:
    """Lay out ``doc`` on pages of its size."""
    return _Layout(doc).run()
