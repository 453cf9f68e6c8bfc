"""Signature fields found on real OCR of rendered pages, and whether each was signed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from tests.pages import DPI, FONT, SC

PX = round(12 * DPI / 72)
MARGIN = 150
STEP = round(PX * 2.2)


def page(lines: list[str]) -> tuple[Image.Image, ImageFont.FreeTypeFont]:
    font = ImageFont.truetype(FONT, PX, index=SC)
    image = Image.new("RGB", (2480, MARGIN * 2 + STEP * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + i * STEP), line, font=font, fill=(20, 20, 20))
    return image, font


def after(font: ImageFont.FreeTypeFont, row: int, text: str) -> tuple[float, float]:
    """Where a field that follows `text` on `row` starts."""
    return MARGIN + font.getlength(text) + PX * 0.5, MARGIN + row * STEP


def fields(tmp_path: Path, image: Image.Image) -> list[tuple[str, bool]]:
    path = tmp_path / "page.png"
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(DPI, DPI))
    path.write_bytes(buf.getvalue())
    result = extract(path, "page.png", "png", get_engine(), Limits())
    return [(f.label, f.signed) for p in result.pages for f in p.signatures]


BODY = ["贫困户扶贫手册", "年度 人均纯收入 是否脱贫 户主签字", "2018年 3060元 是 王建国"]


@pytest.fixture(scope="module")
def hand() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, round(PX * 1.2), index=SC)


def test_a_blank_field_is_unsigned_and_a_signed_one_signed(tmp_path: Path, hand) -> None:
    image, font = page([*BODY, "帮扶责任人签字："])
    x, y = after(font, 3, "帮扶责任人签字：")
    draw = ImageDraw.Draw(image)
    draw.text((x, y - 6), "王德兴", font=hand, fill=(30, 40, 120))
    draw.text((MARGIN + 1200, y), "户主签字：", font=font, fill=(20, 20, 20))
    found = fields(tmp_path, image)
    assert ("帮扶责任人签字", True) in found
    assert ("户主签字", False) in found
    assert len(found) == 2  # the table's column headed 户主签字 is not a field


def test_a_red_fingerprint_signs_a_field(tmp_path: Path) -> None:
    image, font = page([*BODY, "户主签字（按手印）："])
    x, y = after(font, 3, "户主签字（按手印）：")
    ImageDraw.Draw(image).ellipse((x + 20, y - 10, x + 110, y + 90), fill=(200, 40, 50))
    ((label, signed),) = fields(tmp_path, image)
    assert label.startswith("户主签字") and signed


def test_the_line_to_sign_on_is_not_ink(tmp_path: Path) -> None:
    image, font = page([*BODY, "贫困户签字："])
    x, y = after(font, 3, "贫困户签字：")
    ImageDraw.Draw(image).line((x, y + PX + 8, x + 600, y + PX + 8), fill=(0, 0, 0), width=4)
    assert fields(tmp_path, image) == [("贫困户签字", False)]


def test_a_tables_column_headed_for_signatures_is_not_a_field(tmp_path: Path) -> None:
    image, font = page(["贫困户扶贫手册", "", "", ""])
    draw = ImageDraw.Draw(image)
    y = MARGIN + STEP
    for x, heading in ((MARGIN, "年度"), (MARGIN + 500, "人均纯收入"), (MARGIN + 1300, "户主签字")):
        draw.text((x, y), heading, font=font, fill=(20, 20, 20))
    for row, year in enumerate(("2016年", "2017年"), start=2):
        draw.text((MARGIN, MARGIN + row * STEP + 30), year, font=font, fill=(20, 20, 20))
    assert fields(tmp_path, image) == []


def test_a_last_field_whose_colon_ocr_lost_is_still_judged() -> None:
    from dangan.ingest.ocr.layout import TextLine
    from dangan.ingest.signatures import find_fields

    # OCR read "帮扶责任人签字：刘国福  贫困户签字：" as one line without its colons; the
    # name signed after the first label is ink, nothing follows the second
    line = TextLine("帮扶责任人签字刘国福贫困户签字", 100, 100, 1600, 160)
    image = Image.new("L", (2400, 400), 255)
    ImageDraw.Draw(image).rectangle((800, 110, 1000, 150), fill=0)  # 刘国福, signed
    found = [(f.label, f.signed) for f in find_fields([line], image)]
    assert found == [("帮扶责任人签字", True), ("贫困户签字", False)]
    heading = TextLine("年度人均纯收入是否脱贫户主签字", 100, 100, 1600, 160)
    assert find_fields([heading], image) == []
