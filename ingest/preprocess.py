"""Preparing page images for OCR.

Flatbed scans: grayscale, deskew, Otsu binarisation. Phone photos: only EXIF orientation
and grayscale. Measured here with tesseract chi_sim on an A4 page rendered as a flatbed
scan (gray paper, noise, bleed-through, 1.5° skew, JPEG): grayscale 2.1 % CER, + deskew
1.7 %, + Otsu 1.5 %; on a phone-photo-like picture of it (desk around the page, uneven
light, perspective, blur): grayscale 2.1 %, + deskew 11.6 %, + Otsu 13.9 %: the dark
desk fools both the skew estimate and a global threshold.

Deskew estimates the angle by projection profiles over ±5° and applies exactly the
rotation that scored best, with the same function, so the sign cannot slip; it never
turns a page by more than MAX_SKEW. Turning a page lying on its side (90°, 180°, 270°)
is a separate step, `orient`, from tesseract's orientation detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps

ImageKind = Literal["scan", "photo"]

MAX_SKEW = 5.0
MIN_SKEW = 0.15
"""Smaller estimated angles are left alone (rotating blurs a little)."""
MIN_OSD_CONFIDENCE = 0.5
"""Tesseract's orientation confidence needed to try a turned page; the turned reading is
kept only when it is more confident than the first (see `ingest.extract.ocr_image`)."""
_SKEW_WIDTH = 1000


def to_grayscale(image: Image.Image) -> Image.Image:
    """8-bit grayscale; transparent areas become white, not black."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    elif image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = float(array.max()) or 1.0
        return _keep_info(Image.fromarray((array * 255.0 / top).astype(np.uint8)), image)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return _keep_info(image.convert("L"), image)


def _keep_info(new: Image.Image, old: Image.Image) -> Image.Image:
    if "dpi" in old.info:
        new.info["dpi"] = old.info["dpi"]
    return new


def otsu_threshold(gray: Image.Image) -> int:
    """The gray level that best separates ink from paper (Otsu's method)."""
    hist = np.asarray(gray.histogram()[:256], dtype=np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight_bg = np.cumsum(hist)
    weight_fg = total - weight_bg
    mean_cum = np.cumsum(hist * levels)
    mean_all = mean_cum[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_bg = mean_cum / weight_bg
        mean_fg = (mean_all - mean_cum) / weight_fg
        between = weight_bg * weight_fg * (mean_bg - mean_fg) ** 2
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def binarize(gray: Image.Image) -> Image.Image:
    """Black text on white (mode "L", values 0 and 255) by Otsu's threshold."""
    threshold = otsu_threshold(gray)
    array = np.asarray(gray)
    return _keep_info(Image.fromarray(np.where(array > threshold, 255, 0).astype(np.uint8)), gray)


def _profile_score(ink: Image.Image, angle: float) -> float:
    rotated = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0))
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def _ink(gray: Image.Image, threshold: int, width: int) -> Image.Image:
    """Ink as 255 on 0, scaled down to `width` pixels."""
    scale = min(1.0, width / max(gray.width, 1))
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    small = np.asarray(gray.resize(size, Image.Resampling.BOX))
    return Image.fromarray(np.where(small <= threshold, 255, 0).astype(np.uint8))


def estimate_skew(gray: Image.Image) -> float:
    """The angle (degrees, PIL's counter-clockwise convention) that makes text lines
    horizontal: `image.rotate(estimate_skew(image))` straightens the page. Within ±MAX_SKEW."""
    gray = to_grayscale(gray)
    threshold = otsu_threshold(gray)
    coarse, fine = _ink(gray, threshold, _SKEW_WIDTH // 2), _ink(gray, threshold, _SKEW_WIDTH)
    share = np.asarray(fine).mean() / 255
    if share < 0.002 or share > 0.5:  # blank page, or a dark photo
        return 0.0
    steps = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    best = float(max(steps, key=lambda a: _profile_score(coarse, a)))
    steps = np.arange(best - 0.4, best + 0.4 + 1e-9, 0.1)
    angle = float(max(steps, key=lambda a: _profile_score(fine, a)))
    return round(max(-MAX_SKEW, min(MAX_SKEW, angle)), 2)


def rotate_page(gray: Image.Image, angle: float) -> Image.Image:
    """Turn by `angle` degrees counter-clockwise, keeping the whole page, filling with white."""
    if angle == 0:
        return gray
    fill: Any = 255 if gray.mode in ("L", "1") else (255, 255, 255)
    rotated = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    return _keep_info(rotated, gray)


def deskew(gray: Image.Image) -> tuple[Image.Image, float]:
    """(straightened image, angle applied)."""
    angle = estimate_skew(gray)
    if abs(angle) < MIN_SKEW:
        return gray, 0.0
    return rotate_page(gray, angle), angle


def orient(image: Image.Image) -> tuple[Image.Image, int]:
    """(upright image, degrees turned counter-clockwise: 0, 90, 180 or 270), by tesseract
    OSD; the page is left as it is unless OSD is confident (MIN_OSD_CONFIDENCE)."""
    from ingest.ocr.tesseract import detect_orientation

    degrees, confidence = detect_orientation(image)
    if degrees == 0 or confidence < MIN_OSD_CONFIDENCE:
        return image, 0
    return _keep_info(image.rotate(degrees, expand=True), image), degrees


def prepare_for_ocr(image: Image.Image, kind: ImageKind) -> Image.Image:
    """The image to give the OCR engine: for "scan" grayscale, deskew and Otsu; for
    "photo" EXIF orientation and grayscale only. Orientation by 90° steps is checked by
    the caller only when a first reading is poor (see `ingest.extract.ocr_image`)."""
    image = ImageOps.exif_transpose(image) or image
    gray = to_grayscale(image)
    if kind == "photo":
        return gray
    straight, _ = deskew(gray)
    return binarize(straight)


_PHONE_RATIOS = (4 / 3, 3 / 2, 16 / 9, 2.0, 2.17)


def classify_image_kind(image: Image.Image, exif: Mapping[str, Any] | None = None) -> ImageKind:
    """ "photo" for a camera picture, "scan" for a scanner's page.

    Camera settings or GPS in EXIF mean a photo; a resolution of 150 dpi or more means a
    scan (scanners record it, phones write 72); a camera make/model means a photo; else
    a large image in a phone's aspect ratio (4:3, 3:2, 16:9, ...) is a photo.
    """
    meta = exif or {}
    if any(k in meta for k in ("exposure_time", "f_number", "iso", "focal_length", "gps")):
        return "photo"
    dpi = image.info.get("dpi")
    try:
        dpi_value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        dpi_value = 0.0
    if dpi_value >= 150:
        return "scan"
    if meta.get("make") or meta.get("model"):
        return "photo"
    long_side, short_side = max(image.size), min(image.size)
    if short_side >= 1000:
        ratio = long_side / short_side
        if any(abs(ratio - r) < 0.03 for r in _PHONE_RATIOS):
            return "photo"
    return "scan"
