"""The second look at ink a first reading left unread, with real tesseract."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from dangan.ingest.ocr.layout import TextLine
from dangan.ingest.ocr.second_look import placed, unread_sheet
from dangan.ingest.ocr.tesseract import SHEET_MODE, _words, read_tsv
from tests.pages import FONT, SC

DPI = 200


def _form() -> tuple[Image.Image, dict[str, TextLine]]:
    """A ruled table at 200 dpi, one label per cell; each label's box on the page."""
    image = Image.new("L", (1600, 700), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 39, index=SC)
    cells = {"序号": (100, 100), "计划措施": (400, 100), "成效": (1100, 100), "已落实": (1100, 300)}
    boxes = {}
    for text, (x, y) in cells.items():
        draw.text((x, y), text, font=font, fill=0)
        boxes[text] = TextLine(text, *draw.textbbox((x, y), text, font=font))
    for y in (60, 200, 400):  # rules pass close by the labels, as on a scanned form
        draw.line((60, y, 1500, y), fill=0, width=3)
    for x in (60, 360, 1060, 1500):
        draw.line((x, 60, x, 400), fill=0, width=3)
    image.info["dpi"] = (DPI, DPI)
    return image, boxes


def test_ink_no_word_covers_is_read_again_and_put_back_where_it_was() -> None:
    page, boxes = _form()
    read = [boxes["计划措施"], boxes["序号"]]  # what a first reading found
    sheet = unread_sheet(page, read)
    assert sheet is not None
    assert len(sheet.rows) == 2  # 成效 and 已落实; no rule and nothing read
    words = [w for line in _words(read_tsv(sheet.image, "chi_sim", SHEET_MODE)) for w in line]
    lines = placed(sheet, words)
    got = {"".join(w.text for w, _ in line): line for line in lines}
    assert set(got) == {"成效", "已落实"}
    for text, line in got.items():
        left = min(w.left for w, _ in line)
        top = min(w.top for w, _ in line)
        assert abs(left - boxes[text].left) < 10 and abs(top - boxes[text].top) < 10


def test_a_page_read_whole_needs_no_second_look() -> None:
    page, boxes = _form()
    assert unread_sheet(page, list(boxes.values())) is None


def test_pieces_read_with_doubt_are_dropped() -> None:
    page, boxes = _form()
    sheet = unread_sheet(page, [boxes["计划措施"], boxes["序号"]])
    assert sheet is not None
    top, _ = sheet.rows[0]
    dust = TextLine("则", 40, top, 70, top + 30)
    assert placed(sheet, [(dust, 0.4)]) == []
    kept = placed(sheet, [(dust, 0.9)])
    assert [[w.text for w, _ in line] for line in kept] == [["则"]]
