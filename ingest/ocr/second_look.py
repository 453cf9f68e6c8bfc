"""A second look at the ink on a scan that tesseract's page layout analysis left unread.

On ruled forms tesseract merges a cell's text with the table rule it touches into one
box and reads that box as nothing: whole cells are lost (序号, 成效, 已落实 on a 脱贫计划落实
情况表 scanned at 200 dpi, 14 % of the page's characters). Taking the rules out before
the first reading recovers them but makes tesseract lose other columns on other pages.
So the page is read as it is, then the ink that no word read covers is found with the
rules taken out, and those pieces are read once more, all at once: cut out, stacked on
one small sheet and read as one block of lines (`--psm 6`). A piece read with less
confidence than MIN_CONFIDENCE (dust, remnants of a seal, a dotted line) is dropped.

Measured on the demo township's scans read with tesseract (CER): Simplified 5.0 → 4.2 %
over 24 pages, Traditional 6.5 → 3.2 % over 14; phone photos were worse (5.1 → 5.5 %),
so only flatbed scans get the second look. It costs one more tesseract run on the pages
that have unread ink.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from dangan.ingest.ocr.layout import TextLine
from dangan.ingest.ocr.words import is_cjk
from dangan.ingest.pages.dpi import recorded_dpi

RULE_INCHES = 0.4
"""A straight run of ink this long is a table rule, not part of a character."""
COVER_MARGIN = 0.3
"""Ink within this many character heights of a word read counts as read (its strokes
stick out of tesseract's box)."""
MIN_INK = 0.12
"""A piece with less ink than this many square character heights is dust."""
MIN_CONFIDENCE = 0.85
"""The least mean word confidence at which a piece's reading is kept."""
_SHEET_GAP = 1.0
"""Blank between the pieces on the sheet, in character heights."""


@dataclass(frozen=True)
class Sheet:
    """The unread pieces stacked on one image; `rows[i]` is (top on the sheet, the
    piece's box on the page) for each piece."""

    image: Image.Image
    rows: list[tuple[int, tuple[int, int, int, int]]]
    margin: int
    gap: int


def unread_sheet(page: Image.Image, read: list[TextLine]) -> Sheet | None:
    """The pieces of ink on `page` (a thresholded scan) that no box in `read` covers,
    with table rules taken out, stacked on one sheet; None when there are none."""
    gray = np.asarray(page.convert("L"))
    ink = (gray < 128).astype(np.uint8)
    dpi = recorded_dpi(page) or 300.0
    rules = _rules(ink, dpi)
    heights = [w.height for w in read if len(w.text) == 1 and is_cjk(w.text)]
    char = int(statistics.median(heights)) if heights else int(dpi * 0.15)
    boxes = _pieces(ink & (1 - rules), read, char)
    if not boxes:
        return None
    clean = np.where(rules.astype(bool), 255, gray).astype(np.uint8)
    gap, pad = int(char * _SHEET_GAP), char // 2
    height = sum(b[3] - b[1] + gap for b in boxes) + gap
    sheet = np.full((height, max(b[2] - b[0] for b in boxes) + 2 * pad), 255, np.uint8)
    rows, y = [], gap
    for box in boxes:
        piece = clean[box[1] : box[3], box[0] : box[2]]
        sheet[y : y + piece.shape[0], pad : pad + piece.shape[1]] = piece
        rows.append((y, box))
        y += piece.shape[0] + gap
    image = Image.fromarray(sheet)
    image.info["dpi"] = (dpi, dpi)
    return Sheet(image, rows, pad, gap)


def _rules(ink: np.ndarray, dpi: float) -> np.ndarray:
    """The table rules among `ink` (1 where ink), a little widened."""
    import cv2  # imported here: a process that only serves pages never loads OpenCV

    run = max(int(dpi * RULE_INCHES), 30)
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    return cv2.dilate(rules, np.ones((3, 3), np.uint8))


def _pieces(text: np.ndarray, read: list[TextLine], char: int) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of the runs of text ink (`text`, rules out)
    that no box in `read` covers, each about one line of characters `char` pixels tall."""
    import cv2

    text = text.copy()
    margin = int(char * COVER_MARGIN)
    for w in read:
        text[
            max(0, int(w.top) - margin) : int(w.bottom) + margin,
            max(0, int(w.left) - margin) : int(w.right) + margin,
        ] = 0
    # characters of one piece of text run together; lines stay apart
    grown = cv2.dilate(text, np.ones((max(1, char // 4), max(3, int(char * 0.8))), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    boxes = []
    for left, top, width, height, _ in stats[1:count]:
        if not 0.5 * char <= height <= 2.5 * char or width < 0.4 * char:
            continue
        if text[top : top + height, left : left + width].sum() < MIN_INK * char * char:
            continue
        boxes.append((int(left), int(top), int(left + width), int(top + height)))
    return boxes


def placed(sheet: Sheet, words: list[tuple[TextLine, float]]) -> list[list[tuple[TextLine, float]]]:
    """The words read on `sheet` (boxes in its pixels, confidence 0-1) put back on the
    page, one line per piece, each piece kept only when read with MIN_CONFIDENCE."""
    pieces: dict[int, list[tuple[TextLine, float]]] = {}
    for word, conf in words:
        for i, (top, box) in enumerate(sheet.rows):
            if top - sheet.gap / 2 <= word.middle <= top + box[3] - box[1] + sheet.gap / 2:
                dx, dy = box[0] - sheet.margin, box[1] - top
                moved = replace(
                    word,
                    left=word.left + dx,
                    right=word.right + dx,
                    top=word.top + dy,
                    bottom=word.bottom + dy,
                )
                pieces.setdefault(i, []).append((moved, conf))
                break
    return [
        sorted(line, key=lambda x: x[0].left)
        for line in pieces.values()
        if sum(c for _, c in line) / len(line) >= MIN_CONFIDENCE
    ]
