"""Preparing images for OCR: Otsu, deskew with the right sign, kind of image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ingest.ocr import get_engine
from ingest.preprocess import (
    binarize,
    classify_image_kind,
    deskew,
    estimate_skew,
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


def test_straight_and_blank_pages_are_left_alone(page: Image.Image) -> None:
    assert estimate_skew(page) == pytest.approx(0, abs=0.15)
    assert deskew(page)[1] == 0.0
    blank = Image.new("L", (800, 1000), 255)
    assert estimate_skew(blank) == 0.0


def test_photo_is_only_made_gray() -> None:
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
