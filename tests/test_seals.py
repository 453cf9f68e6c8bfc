"""Grey official seals found on grayscale scans and whitened before OCR, the text under
them kept; pages with other round or boxed shapes left alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from dangan.ingest.ocr import get_engine
from dangan.ingest.pages.preprocess import binarize, prepare_for_ocr
from dangan.ingest.pages.seals import drop_seals, find_seals
from tests.pages import FONT, SC, cer

DPI = 200
MM = DPI / 25.4
PAPER = 236
LINES = [
    "贫困户脱贫验收表",
    "户主姓名：梁永明    家庭人口：5人    识别年度：2016年",
    "2019年人均纯收入：4430元    脱贫标准：3750元",
    "村评议意见：经民主评议，同意脱贫。2019年10月15日",
    "乡镇验收意见：经入户验收，达到脱贫标准，同意退出。",
    "桑村镇人民政府（盖章）",
    "2019年11月10日",
]
SIGNED = 5
"""LINES from here on are set flush right, and the seal is stamped on them."""
SEAL_R = round(20 * MM)
"""A 40 mm seal, drawn with the ring inside this radius."""


def _a4(draw_on_it: list[str]) -> tuple[Image.Image, tuple[int, int]]:
    """A white A4 page at DPI with `draw_on_it` in 12 pt, and where a seal goes."""
    width, height = round(210 * MM), round(297 * MM)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(12 / 72 * DPI), index=SC)
    y, centre = round(30 * MM), (width // 2, height // 2)
    for i, line in enumerate(draw_on_it):
        length = round(font.getlength(line))
        x = width - round(25 * MM) - length if i >= SIGNED else round(25 * MM)
        draw.text((x, y), line, font=font, fill=0)
        if i == SIGNED:
            centre = (x + length // 2, y + round(8 * MM))
        y += round(12 * MM)
    return page, centre


def _seal(size: tuple[int, int], centre: tuple[int, int], level: int = 135) -> Image.Image:
    """A seal as a layer to multiply the page by: a ring 1.1 mm wide, a star, the unit's
    name round the upper rim in bold; the ink heavier to the left, as a stamp is pressed
    unevenly."""
    cx, cy, r = centre[0], centre[1], SEAL_R
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    ring = round(1.1 * MM)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=ring)
    star = []
    for k in range(10):
        reach = 0.3 * r if k % 2 == 0 else 0.12 * r
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((cx + reach * math.cos(angle), cy + reach * math.sin(angle)))
    draw.polygon(star, fill=255)
    name = "山亭区桑村镇人民政府"
    size_px = round(0.28 * r)
    font = ImageFont.truetype(FONT.replace("Regular", "Bold"), size_px, index=SC)
    for k, char in enumerate(name):
        theta = math.radians(-200 + 220 * (k + 0.5) / len(name))
        tile = Image.new("L", (2 * size_px, 2 * size_px), 0)
        ImageDraw.Draw(tile).text((size_px, size_px), char, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-math.degrees(theta) - 90, resample=Image.Resampling.BILINEAR)
        along = r - ring - 0.65 * size_px
        x, y = cx + along * math.cos(theta), cy + along * math.sin(theta)
        mask.paste(255, (round(x - size_px), round(y - size_px)), tile)
    heavier_left = np.linspace(1.0, 0.7, size[0])[None, :]
    alpha = np.asarray(mask) / 255.0 * heavier_left
    return Image.fromarray(np.rint(255 - alpha * (255 - level)).astype(np.uint8))


def _scanned(page: Image.Image) -> Image.Image:
    """As a flatbed scanner gives it: a little blur (the edges of black strokes turn
    grey), grey paper, the resolution recorded."""
    scan = page.filter(ImageFilter.GaussianBlur(0.7)).point(lambda v: round(v * PAPER / 255))
    scan.info["dpi"] = (DPI, DPI)
    return scan


Sealed = tuple[Image.Image, Image.Image, Image.Image, tuple[int, int]]


@pytest.fixture(scope="module")
def sealed() -> Sealed:
    """(the page with a grey seal across its signature lines, the same page without it,
    the seal alone, the seal's centre)."""
    page, centre = _a4(LINES)
    seal = _seal(page.size, centre)
    return _scanned(ImageChops.multiply(page, seal)), _scanned(page), seal, centre


def test_the_seal_is_found_where_it_was_stamped(sealed: Sealed) -> None:
    scan, _, _, (cx, cy) = sealed
    [seal] = find_seals(scan)
    assert math.hypot(seal.x - cx, seal.y - cy) < 2
    ring_middle = SEAL_R - round(1.1 * MM) / 2  # PIL draws the outline inside the box
    assert seal.r == pytest.approx(ring_middle, abs=2)
    without_dpi = scan.copy()
    without_dpi.info.pop("dpi")
    assert len(find_seals(without_dpi)) == 1  # taken for A4, which it is


def test_the_seal_is_whitened_and_the_text_under_it_kept(sealed: Sealed) -> None:
    scan, clean, seal, _ = sealed
    seal_only = (np.asarray(seal) < 200) & (np.asarray(clean) > 200)
    text = np.asarray(clean) < 60
    out = drop_seals(scan)
    assert out.info["dpi"] == (DPI, DPI)
    before, after = np.asarray(binarize(scan)), np.asarray(binarize(out))
    # the seal is too small a share of the page for the page-wide threshold to cut away
    assert (before[seal_only] == 0).mean() > 0.8
    assert (after[seal_only] == 0).mean() < 0.01
    assert (after[text] == 0).mean() > 0.99


def test_tesseract_reads_the_lines_under_the_seal(sealed: Sealed) -> None:
    scan, _, _, _ = sealed
    engine = get_engine()
    page = "\n".join(LINES)
    read = engine.recognize(prepare_for_ocr(scan, "scan"), traditional=False).text
    kept = engine.recognize(binarize(scan), traditional=False).text  # seal left as ink
    assert cer(page, read) < 0.05 < cer(page, kept)
    for line in LINES[SIGNED:]:
        assert min(cer(line, got) for got in read.splitlines()) < 0.15, read


def _table(draw: ImageDraw.ImageDraw, ink: int, width: int = 3) -> None:
    """Square cells 30 mm across: a circle inside one touches all four sides."""
    top, left = round(60 * MM), round(25 * MM)
    cell = round(30 * MM)
    for i in range(5):
        draw.line(
            [(left, top + i * cell), (left + 5 * cell, top + i * cell)], fill=ink, width=width
        )
    for i in range(6):
        draw.line(
            [(left + i * cell, top), (left + i * cell, top + 4 * cell)], fill=ink, width=width
        )


def _with(shape: str) -> Image.Image:
    page, _ = _a4(LINES)
    draw = ImageDraw.Draw(page)
    if shape == "table":
        _table(draw, 0)
    elif shape == "grey table":
        _table(draw, 130, width=round(1.1 * MM))  # as wide as a seal's ring
    elif shape == "big 〇":
        font = ImageFont.truetype(FONT, round(40 * MM), index=SC)
        draw.text((round(60 * MM), round(150 * MM)), "〇回", font=font, fill=0)
    elif shape == "grey photo":  # a round portrait: a filled grey disk, not a ring
        cx, cy, r = round(105 * MM), round(200 * MM), round(18 * MM)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=140)
    return _scanned(page)


@pytest.mark.parametrize("shape", ["plain", "table", "grey table", "big 〇", "grey photo"])
def test_pages_without_a_seal_are_left_alone(shape: str) -> None:
    page = _with(shape)
    assert find_seals(page) == []
    assert drop_seals(page) is page


def test_bilevel_and_colour_input_are_left_alone(sealed: Sealed) -> None:
    scan = sealed[0]
    bilevel = scan.convert("1")
    assert drop_seals(bilevel) is bilevel
    colour = scan.convert("RGB")
    assert drop_seals(colour) is colour
