"""Preparing images for OCR: Otsu, deskew with the right sign, kind of image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dangan.ingest.ocr import get_engine
from dangan.ingest.pages.preprocess import (
    binarize,
    classify_image_kind,
    deskew,
    estimate_skew,
    ink_threshold,
    otsu_threshold,
    prepare_for_ocr,
)
from tests.pages import cer, render_lines

# full-width lines (an A4 line at 12 pt): at 2° a 1900-pixel line drifts by more than its
# height, which is where skew breaks tesseract's line finding
LONG_LINES = [
    "为认真贯彻落实县委县政府关于精准扶贫精准脱贫的决策部署，进一步规范建档立卡",
    "贫困户动态调整工作，确保扶贫对象识别精准，以户为单位全面核实家庭人口、收入、",
    "住房、教育、医疗等基本情况，按照农户申请、入户调查、民主评议、公示公告、逐级",
    "审核的程序进行，评议结果在村务公开栏张贴公示七天，五月二十日前完成民主评议。",
]
TEXT = "\n".join(LONG_LINES)


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return render_lines(LONG_LINES)


def test_otsu_separates_ink_from_paper() -> None:
    array = np.full((100, 100), 200, dtype=np.uint8)
    array[40:60, :] = 60
    gray = Image.fromarray(array)
    assert 60 <= otsu_threshold(gray) < 200
    assert set(np.unique(np.asarray(binarize(gray)))) == {0, 255}


@pytest.mark.parametrize("angle", [2.0, -2.0])
def test_deskew_turns_the_right_way_and_ocr_improves(page: Image.Image, angle: float) -> None:
    skewed = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    estimated = estimate_skew(skewed)
    assert estimated == pytest.approx(-angle, abs=0.25)
    straight, applied = deskew(skewed)
    assert applied == estimated
    assert abs(estimate_skew(straight)) <= 0.2  # lines are horizontal now
    assert straight.width > straight.height  # never turned on its side
    engine = get_engine()
    before = cer(TEXT, engine.recognize(skewed, traditional=False).text)
    after = cer(TEXT, engine.recognize(prepare_for_ocr(skewed, "scan"), traditional=False).text)
    assert after < 0.02 < before


def test_a_page_wider_than_the_skew_sample_is_straightened_after_thresholding(
    page: Image.Image,
) -> None:
    # The angle is estimated on a page shrunk to 1000 px; once the page is black and
    # white, Otsu's threshold on it must still find the ink (it used to find none).
    big = page.resize((page.width * 2, page.height * 2), Image.Resampling.BICUBIC)
    assert big.width > 1000
    skewed = big.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert estimate_skew(binarize(skewed)) == pytest.approx(-1.5, abs=0.25)
    assert abs(estimate_skew(prepare_for_ocr(skewed, "scan"))) <= 0.2


def test_straight_and_blank_pages_are_left_alone(page: Image.Image) -> None:
    assert estimate_skew(page) == pytest.approx(0, abs=0.15)
    assert deskew(page)[1] == 0.0
    blank = Image.new("L", (800, 1000), 255)
    assert estimate_skew(blank) == 0.0


def test_photo_with_no_sheet_in_it_is_only_made_gray() -> None:
    photo = Image.new("RGB", (400, 300), (180, 170, 160))
    out = prepare_for_ocr(photo, "photo")
    assert out.mode == "L" and out.size == (400, 300)
    expected = photo.convert("L").getpixel((0, 0))
    assert set(np.unique(np.asarray(out))) == {expected}  # no threshold applied


def test_transparent_png_becomes_white_not_black() -> None:
    rgba = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    assert np.asarray(prepare_for_ocr(rgba, "photo")).min() == 255


def test_classify_image_kind() -> None:
    scan = Image.new("L", (2480, 3508))
    scan.info["dpi"] = (300, 300)
    assert classify_image_kind(scan, {}) == "scan"
    assert classify_image_kind(scan, {"exposure_time": 0.01}) == "photo"
    phone = Image.new("RGB", (4032, 3024))
    phone.info["dpi"] = (72, 72)
    assert classify_image_kind(phone, {}) == "photo"
    assert classify_image_kind(Image.new("RGB", (2480, 3508)), {}) == "scan"  # A4, no dpi
    assert classify_image_kind(Image.new("RGB", (2480, 3508)), {"make": "HUAWEI"}) == "photo"


def _with_seal(page: Image.Image, ink: int | tuple[int, int, int]) -> Image.Image:
    """`page` with a seal's ring and star printed across the text (ink multiplies: the
    text under the seal stays dark), as a seal sits on a date."""
    from PIL import ImageChops, ImageDraw

    white: int | tuple[int, int, int] = 255 if page.mode == "L" else (255, 255, 255)
    seal = Image.new(page.mode, page.size, white)
    draw = ImageDraw.Draw(seal)
    cx, cy, r = page.width // 2, page.height // 2, 170
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=ink, width=12)
    draw.regular_polygon((cx, cy, 60), 5, fill=ink)
    return ImageChops.multiply(page, seal)


def _ring_pixels(page: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Where the ring is and the clean page has no ink."""
    marked = _with_seal(Image.new("L", page.size, 255), 0)
    ring = np.asarray(marked) == 0
    return ring & (np.asarray(page.convert("L")) > 200), np.asarray(page.convert("L")) < 60


def test_a_grey_seal_over_text_is_dropped_and_the_text_kept(page: Image.Image) -> None:
    sealed = _with_seal(page, 130)  # a red seal in a grey scan: ~130, text ~0, paper 255
    seal_only, text = _ring_pixels(page)
    out = np.asarray(prepare_for_ocr(sealed, "scan"))
    assert (out[seal_only] == 255).mean() > 0.99
    assert (out[text] == 0).mean() > 0.97
    # Otsu alone cuts through the seal and keeps it as ink
    assert (np.asarray(sealed)[seal_only] <= otsu_threshold(sealed)).mean() > 0.99


def test_a_plain_page_keeps_otsus_threshold(page: Image.Image) -> None:
    assert ink_threshold(page) == otsu_threshold(page)


def test_a_red_seal_in_a_colour_scan_fades_into_the_paper(page: Image.Image) -> None:
    sealed = _with_seal(page.convert("RGB"), (206, 36, 48))
    seal_only, text = _ring_pixels(page)
    out = np.asarray(prepare_for_ocr(sealed, "scan"))
    assert (out[seal_only] == 255).mean() > 0.99
    assert (out[text] == 0).mean() > 0.97
    assert cer(TEXT, get_engine().recognize(prepare_for_ocr(sealed, "scan"), False).text) < 0.03
