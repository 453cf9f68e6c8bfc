"""Flattening phone photos of pages (`ingest.pages.flatten`): the sheet is found, warped to an
upright A4 page at scan resolution and evenly lit, and tesseract reads it; red seals fade;
a photo that is all page keeps its geometry; a photo with no sheet comes back as it was."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from dangan.demo import render
from dangan.ingest.ocr import get_engine
from dangan.ingest.pages.flatten import (
    PAGE_DPI,
    PAGE_SHORT_SIDE,
    find_sheet,
    flatten_photo,
    sheet_size,
    warp_sheet,
)
from dangan.ingest.pages.preprocess import prepare_for_ocr, red_dropout
from tests.pages import cer, page

LINES = [
    "建档立卡贫困户申请书",
    "本人张秀英，家住桑村镇东坪村三组，家庭人口四人。",
    "因病致贫，申请纳入建档立卡贫困户，请予审核。",
    "家庭年人均纯收入约二千一百元，生活十分困难。",
    "申请人：张秀英 二〇一六年三月五日",
]
TEXT = "\n".join(LINES)
# TL, TR, BR, BL of the sheet in a 1080 x 1440 photo: seen from below and turned by
# about 3°, so the lines slant and the characters are ~16 px tall, as in a phone photo
CORNERS = np.array([(250.0, 330.0), (850.0, 300.0), (905.0, 1180.0), (205.0, 1215.0)])
SIZE = (1080, 1440)
A4 = (PAGE_SHORT_SIDE, round(PAGE_SHORT_SIDE * 2**0.5))
# the sheet is ~650 px wide in the photo: enlarged twice (MAX_UPSCALE), A4's shape
PHOTO_A4 = (1301, round(1301 * 2**0.5))
SEAL_INK = (206, 36, 48)  # demo.render's


def phone_photo(corners: np.ndarray = CORNERS, size: tuple[int, int] = SIZE) -> Image.Image:
    """An A4 page (tests.pages.page at 300 dpi) warped onto a darker desk by a known
    perspective, with the sheet's soft shadow, light falling off to one corner, and noise."""
    sheet = np.asarray(page(LINES, dpi=300), dtype=np.float32)
    h, w = sheet.shape
    source = np.float32([(0, 0), (w, 0), (w, h), (0, h)])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    width, height = size
    warped = cv2.warpPerspective(sheet, matrix, size, flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(np.ones_like(sheet), matrix, size, flags=cv2.INTER_LINEAR)
    shadow = np.zeros((height, width), np.float32)
    cv2.fillPoly(shadow, [np.int32(corners + np.array([8, 12]))], 1.0)
    desk = 110.0 * (1 - 0.35 * cv2.GaussianBlur(shadow, (0, 0), 8))
    image = warped * alpha + desk * (1 - alpha)
    light = np.outer(np.linspace(1.0, 0.85, height), np.linspace(1.0, 0.6, width))
    image = image * light + np.random.default_rng(0).normal(0, 3, (height, width))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return phone_photo()


@pytest.fixture(scope="module")
def flat(photo: Image.Image) -> Image.Image:
    return flatten_photo(photo)


def test_sheet_is_found_at_its_corners(photo: Image.Image) -> None:
    sheet = find_sheet(photo)
    assert sheet.kind == "sheet"
    assert np.abs(np.array(sheet.corners) - CORNERS).max() < 3  # measured 0.6 px


def test_flattened_sheet_is_an_upright_a4_page_evenly_lit(flat: Image.Image) -> None:
    assert flat.mode == "L"
    assert flat.size == PHOTO_A4
    # recorded as the A4 it is: 1301 px across 8.27 in
    assert flat.info["dpi"] == (round(PAGE_DPI * 1301 / PAGE_SHORT_SIDE),) * 2 == (157, 157)
    array = np.asarray(flat)
    width, height = flat.size
    # the photo's light fell from 1.0 to 0.6 across the sheet; now the blank lower half
    # of the page is white on the left and on the right alike
    left = array[int(0.6 * height) : int(0.95 * height), int(0.05 * width) : int(0.25 * width)]
    right = array[int(0.6 * height) : int(0.95 * height), int(0.75 * width) : int(0.95 * width)]
    assert np.median(left) > 235 and np.median(right) > 235
    assert abs(float(np.median(left)) - float(np.median(right))) < 8
    # the text is where the page has it: its first line's ink starts 0.8 inch from the
    # left (9.7 % of A4's width) and 7.4 % of the height from the top
    rows = np.nonzero((array < 128).sum(axis=1) > 5)[0]
    cols = np.nonzero((array < 128).sum(axis=0) > 5)[0]
    assert abs(rows.min() / height - 0.074) < 0.01
    assert abs(cols.min() / width - 0.098) < 0.01


def test_tesseract_reads_the_flattened_photo(photo: Image.Image, flat: Image.Image) -> None:
    engine = get_engine("tesseract")
    before = cer(TEXT, engine.recognize(photo, traditional=False).text)
    after = cer(TEXT, engine.recognize(flat, traditional=False).text)
    assert after < 0.1 < before  # measured: 0.04 after, 1.0 before (nothing read)


def test_prepare_for_ocr_flattens_a_colour_photo(photo: Image.Image) -> None:
    out = prepare_for_ocr(photo.convert("RGB"), "photo")
    assert out.mode == "L" and out.size == PHOTO_A4


def test_red_seal_fades_when_the_photo_is_in_colour(photo: Image.Image) -> None:
    """A red seal's ring stamped on the sheet: dark in the page made from the gray
    photo, near paper in the page made from the red channel of the colour photo."""
    colour = np.asarray(photo.convert("RGB")).astype(np.float32)
    ring = np.zeros(photo.size[::-1], np.float32)
    cv2.circle(ring, (560, 800), 80, 0.85, 6)
    colour *= 1 - ring[:, :, None] * (1 - np.array(SEAL_INK, np.float32) / 255)
    rgb = Image.fromarray(colour.astype(np.uint8))
    gray = rgb.convert("L")
    where = (
        np.asarray(
            warp_sheet(Image.fromarray((ring * 255).astype(np.uint8)), find_sheet(gray).corners)
        )
        > 200
    )
    assert where.sum() > 5000
    # measured: 110 from the gray photo; 208 from the red channel (the seal's ink takes
    # a sixth of the red light too), light enough for any threshold to drop it
    assert np.median(np.asarray(flatten_photo(gray))[where]) < 150
    assert np.median(np.asarray(flatten_photo(gray, red_dropout(rgb)))[where]) > 195


@pytest.mark.parametrize("seed", range(4))
def test_demo_phone_photos_are_found(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """The demo corpus's phone photos (demo.render.phone_effects: wood, desk or
    cloth, uneven light, the phone's shadow): the corners the generator used are found."""
    used: list[list[tuple[float, float]]] = []
    coeffs = render.perspective_coeffs

    def spy(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
        used.append(dst)
        return coeffs(dst, src)

    monkeypatch.setattr(render, "perspective_coeffs", spy)
    rng = random.Random(seed)
    shot = render.phone_effects(page(LINES, dpi=140), rng, canvas_width=1080 + 100 * seed)
    sheet = find_sheet(shot.convert("L"))
    assert sheet.kind == "sheet"
    assert np.abs(np.array(sheet.corners) - np.array(used[0])).max() < 3  # measured < 1.7


def test_page_filling_the_frame_is_not_warped() -> None:
    full = np.asarray(page(LINES, dpi=150), dtype=np.float32)[40:1000, 40:1200]
    width = full.shape[1]
    light = np.linspace(1.0, 0.6, width)[None, :]
    shot = Image.fromarray(np.clip(full * light, 0, 255).astype(np.uint8))
    assert find_sheet(shot).kind == "whole"
    out = flatten_photo(shot)
    assert out.size == shot.size  # nothing cropped or warped
    array = np.asarray(out)
    assert np.median(array[700:, -200:]) > 235  # the dim side is white paper now
    assert np.median(array[700:, :200]) > 235


def test_sheet_running_off_the_frame_is_not_cropped() -> None:
    corners = CORNERS + np.array([0, 400])  # the bottom of the sheet is outside the photo
    shot = phone_photo(corners)
    assert find_sheet(shot).kind != "sheet"
    assert flatten_photo(shot).size == shot.size


def test_photo_without_a_sheet_comes_back_as_it_was() -> None:
    yard = render.work_photo(random.Random(3)).convert("L")  # a farmhouse and people
    assert find_sheet(yard).kind == "none"
    assert np.array_equal(np.asarray(flatten_photo(yard)), np.asarray(yard))
    disc = np.full((1200, 900), 60, np.uint8)
    cv2.circle(disc, (450, 600), 380, 235, -1)  # light, but not a sheet's shape
    assert find_sheet(Image.fromarray(disc)).kind == "none"
    flat_gray = Image.new("L", (800, 600), 180)
    assert find_sheet(flat_gray).kind == "none"
    assert find_sheet(Image.new("L", (120, 90), 255)).kind == "none"  # too small to search


def test_sheet_size_keeps_the_measured_shape() -> None:
    portrait = ((0, 0), (1000, 0), (1000, 1430), (0, 1430))  # 1.43: A4 seen at an angle
    assert sheet_size(portrait) == (*A4, True)
    landscape = ((0, 0), (1430, 0), (1430, 1000), (0, 1000))
    assert sheet_size(landscape) == (*A4[::-1], True)
    foreshortened = ((0, 0), (1000, 0), (1000, 1300), (0, 1300))  # 1.30, seen from below
    assert sheet_size(foreshortened) == (*A4, True)
    square = ((0, 0), (1100, 0), (1100, 1100), (0, 1100))  # not A4: its own shape
    assert sheet_size(square) == (PAGE_SHORT_SIDE, PAGE_SHORT_SIDE, False)


def test_a_small_slip_is_enlarged_at_most_twice() -> None:
    slip = ((0, 0), (1250, 0), (1250, 470), (0, 470))  # a 3-line note close to the lens
    assert sheet_size(slip) == (2500, 940, False)
