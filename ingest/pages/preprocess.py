"""Preparing page images for OCR.

Flatbed scans: grayscale (the red channel of a colour scan, so red seals drop out; on a
grey scan, round seals whitened by `ingest.pages.seals.drop_seals`), a threshold below any
second hump of dark ink (a grey seal or stamp that is left; `ink_threshold`), deskew.
On the demo township's single-page scans the threshold under a seal's hump took the mean
CER of 16 pages from 11.1 % / 11.6 % (Simplified / Traditional) to 9.4 % / 8.9 %
together with reading order by rows (now `ingest.ocr.layout`). Measured earlier with
tesseract chi_sim on an A4 page rendered as a flatbed scan (gray paper, noise,
bleed-through, 1.5° skew, JPEG): grayscale 2.1 % CER, + deskew 1.7 %, + Otsu 1.5 %; on a phone-photo-like
picture of it (desk around the page, uneven light, perspective, blur): grayscale 2.1 %,
+ deskew 11.6 %, + Otsu 13.9 %: the dark desk fools both the skew estimate and a global
threshold, so photos take neither.

A seal on a grey scan covers too little of the page for `ink_threshold` to see its hump
on most pages, and kept as ink it garbles the date and signature under it. `drop_seals`
finds round rings of seal-grey ink (a circle search on a copy at about 4.5 px/mm, each
candidate checked to be inked round at least 75 % of it and hollow in the middle) and,
within each, whitens the seal's grey ink while keeping text darker than it (details in
`ingest.pages.seals`). On the demo corpus's 119 grey scans it found the seal on all 27 pages
that carry one and nothing on the other 92; the mean tesseract CER of those 27 pages went
from 14.2 % to 8.9 %, and that of the benchmark's 16 scans (`bench.ingest`, 8 a group)
from 8.2 % / 8.4 % (Simplified / Traditional) to 6.5 % / 6.7 %. It takes 10-35 ms on an
A4 page at 300 dpi without a seal and 25-50 ms with one.

Phone photos: EXIF orientation, then `ingest.pages.flatten`: the sheet found and warped to an
upright page 2000 px wide (about 240 dpi on A4; a small sheet is enlarged at most
twice for tesseract, not at all for RapidOCR: the engine's `photo_max_upscale`), made
from the red channel (red seals fade) and evenly lit; grayscale only when no sheet is
found. Measured with tesseract through `ingest.extract.ocr_image` on the 68 single-page
phone photos of the demo corpus
(seed 2018, 3 villages x 10 households; sheets 80-92 % of a 1080-1280 px frame,
characters ~15 px): grayscale only 32.3 % mean CER, flattened 6.3 % (29 of 68 at 5 % or
less; what is left is mostly ID-card copies, whose tight rows tesseract merges, and text
under seals); 0.9-1.0 s per photo before, 1.3-1.5 s after (tesseract on one thread),
0.15 s of it flattening and the rest reading about three times as many pixels.

Deskew estimates the angle on the gray page by projection profiles over ±5° (computed
from the ink pixels' coordinates, no image turned) and turns the thresholded page by the
angle that scored best, in the same convention, so the sign cannot slip; it never turns
a page by more than MAX_SKEW. Straightening matters for forms: on the 8 Simplified bench
scans, tesseract's mean CER was 9.6 % with the pages left crooked (an estimate made on
the thresholded page found no ink) and 5.7 % straightened, with the reading order of
`ingest.ocr.layout`; RapidOCR's rows of a crooked table ran into one another. Turning a
page lying on its side (90°, 180°, 270°) is a separate step, `orient`, from tesseract's
orientation detection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps

from dangan.ingest.pages.dpi import keep_dpi, recorded_dpi

ImageKind = Literal["scan", "photo"]

MAX_SKEW = 5.0
MIN_SKEW = 0.15
"""Smaller estimated angles are left alone (rotating blurs a little)."""
MIN_OSD_CONFIDENCE = 0.5
"""Tesseract's orientation confidence needed to try a turned page; the turned reading is
kept only when it is more confident than the first (see `ingest.extract.ocr_image`)."""
_SKEW_WIDTH = 1000
_BIN = 8
SECOND_HUMP = 2.5
"""A hump of the dark histogram this many times higher than the valley before it is ink of
a second kind (see `ink_threshold`)..."""
HUMP_SHARE = 0.1
"""...when it is also this high against the text's own hump: the edges of plain text
make small humps of their own."""


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
        return keep_dpi(Image.fromarray((array * 255.0 / top).astype(np.uint8)), image)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return keep_dpi(image.convert("L"), image)


def _is_colour(image: Image.Image) -> bool:
    return image.mode in ("RGB", "RGBA", "CMYK")


def red_dropout(image: Image.Image) -> Image.Image:
    """The red channel as grayscale: a colour scanner's "red dropout". Red seals and
    stamps, which sit on signatures and dates, fade into the paper while black and blue
    ink stay dark. Red print (a document's masthead) fades too; the fields read from a
    page are in black."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return keep_dpi(rgb.getchannel("R"), image)


def otsu_threshold(gray: Image.Image) -> int:
    """The gray level that best separates ink from paper (Otsu's method)."""
    return _otsu(np.asarray(gray.histogram()[:256], dtype=np.float64))


def _otsu(hist: np.ndarray) -> int:
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
    # The middle of the best levels, not the first: on a page already black and white
    # every level between the two is as good, and the first (0) would count no ink.
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    return int(best[0] + best[-1]) // 2


def ink_threshold(gray: Image.Image) -> int:
    """The gray level below which a pixel is text: Otsu's, unless the dark side of the
    histogram holds a second, lighter hump that sits apart from the text's: a seal or a
    coloured stamp in a grey scan (text ink ~30, a red seal ~130, paper ~240), which Otsu
    cuts through the middle of. Then a level in the valley before that hump."""
    hist = np.asarray(gray.histogram()[:256], dtype=np.float64)
    otsu = _otsu(hist)
    bins = np.convolve(hist.reshape(-1, _BIN).sum(axis=1), np.ones(3), mode="same")
    top = min(len(bins) - 2, (otsu + _BIN) // _BIN)
    text = int(np.argmax(bins[: max(1, otsu // _BIN)]))
    if top - text < 4:
        return otsu
    for peak in range(text + 2, top + 1):
        hump = bins[peak]
        valley = text + 1 + int(np.argmin(bins[text + 1 : peak]))
        if (
            bins[peak - 1] <= hump > bins[peak + 1]
            and hump >= SECOND_HUMP * max(bins[valley], 1.0)
            and hump >= HUMP_SHARE * bins[text]
        ):
            # Cut just below the hump's lower flank: the valley can be wide and flat,
            # and cutting at its dark end would thin the text for nothing.
            flank = peak
            while flank - 1 > valley and bins[flank - 1] >= hump / 2:
                flank -= 1
            return max(valley + 1, flank - 1) * _BIN - 1
    return otsu


def binarize(gray: Image.Image) -> Image.Image:
    """Black text on white (mode "L", values 0 and 255) at `ink_threshold`."""
    threshold = ink_threshold(gray)
    return keep_dpi(gray.point([0] * (threshold + 1) + [255] * (255 - threshold)), gray)


def _ink_sample(gray: Image.Image) -> np.ndarray:
    """The page shrunk by a whole factor to about _SKEW_WIDTH pixels wide: Pillow's
    `reduce` averages blocks in 4 ms on an A4 page at 300 dpi, a resize took 20-30."""
    factor = max(1, round(gray.width / _SKEW_WIDTH))
    return np.asarray(gray.reduce(factor) if factor > 1 else gray)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle: float) -> float:
    """How sharply the ink falls into rows once the page is turned by `angle` degrees
    (PIL's counter-clockwise convention): a point's row after the turn is
    y·cos − x·sin, counted without rotating any image."""
    radians = np.radians(angle)
    rows = np.rint(ys * np.cos(radians) - xs * np.sin(radians)).astype(np.int64)
    profile = np.bincount(rows - rows.min()).astype(np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def estimate_skew(gray: Image.Image) -> float:
    """The angle (degrees, PIL's counter-clockwise convention) that makes text lines
    horizontal: `image.rotate(estimate_skew(image))` straightens the page. Within ±MAX_SKEW."""
    gray = to_grayscale(gray)
    small = _ink_sample(gray)
    ys, xs = np.nonzero(small <= otsu_threshold(gray))
    share = len(ys) / max(1, small.size)
    if share < 0.002 or share > 0.5:  # blank page, or a dark photo
        return 0.0
    steps = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    best = float(max(steps, key=lambda a: _profile_score(ys, xs, a)))
    steps = np.arange(best - 0.4, best + 0.4 + 1e-9, 0.1)
    angle = float(max(steps, key=lambda a: _profile_score(ys, xs, a)))
    return round(max(-MAX_SKEW, min(MAX_SKEW, angle)), 2)


def rotate_page(image: Image.Image, angle: float) -> Image.Image:
    """Turn by `angle` degrees counter-clockwise, keeping the whole page, filling with
    white. Bilinear, though the page is already black and white: the stair-steps that
    nearest-neighbour leaves along every stroke cost tesseract dearly on 200 dpi scans
    (one form: CER 3.1 % bilinear, 19.4 % nearest). OpenCV's warp does it in 0.04 s on
    an A4 page at 300 dpi, Pillow's in 0.13-0.18 s."""
    if angle == 0:
        return image
    import cv2  # imported here: only pages that are turned need it

    array = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    height, width = array.shape[:2]
    radians = np.radians(angle)
    cos, sin = abs(np.cos(radians)), abs(np.sin(radians))
    size = (round(width * cos + height * sin), round(width * sin + height * cos))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    matrix[0, 2] += (size[0] - width) / 2
    matrix[1, 2] += (size[1] - height) / 2
    white = 255 if array.ndim == 2 else (255, 255, 255)
    turned = cv2.warpAffine(array, matrix, size, flags=cv2.INTER_LINEAR, borderValue=white)
    return keep_dpi(Image.fromarray(turned), image)


def deskew(image: Image.Image, angle: float | None = None) -> tuple[Image.Image, float]:
    """(straightened image, angle applied); the angle is `estimate_skew(image)` unless
    given."""
    angle = estimate_skew(image) if angle is None else angle
    if abs(angle) < MIN_SKEW:
        return image, 0.0
    return rotate_page(image, angle), angle


OrientationCheck = Callable[[Image.Image], tuple[int, float]]
"""(degrees to turn counter-clockwise to make the page upright, confidence 0.0-1.0):
an engine's orientation detection, e.g. `ingest.ocr.tesseract.detect_orientation`."""


def orient(image: Image.Image, detect: OrientationCheck) -> tuple[Image.Image, int]:
    """(upright image, degrees turned counter-clockwise: 0, 90, 180 or 270), by the
    caller's orientation check; the page is left as it is unless the check is confident
    (MIN_OSD_CONFIDENCE)."""
    degrees, confidence = detect(image)
    if degrees == 0 or confidence < MIN_OSD_CONFIDENCE:
        return image, 0
    return keep_dpi(image.rotate(degrees, expand=True), image), degrees


def prepare_for_ocr(
    image: Image.Image, kind: ImageKind, max_upscale: float | None = None
) -> Image.Image:
    """The image to give the OCR engine: for "scan" grayscale, threshold and deskew; for
    "photo" EXIF orientation, then `ingest.pages.flatten.flatten_photo`: the sheet found,
    warped upright to 2000 px wide (enlarged at most `max_upscale` times, by default
    `ingest.pages.flatten.MAX_UPSCALE`), red dropout and the light evened out (grayscale only
    when no sheet is found). Orientation by 90° steps is checked by the caller only when
    a first reading is poor (see `ingest.extract.ocr_image`)."""
    image = ImageOps.exif_transpose(image) or image
    if kind == "photo":
        # imported here, as are seals and OpenCV: a process that only serves pages
        # never loads them
        from dangan.ingest.pages.flatten import MAX_UPSCALE, flatten_photo

        dropout = red_dropout(image) if _is_colour(image) else None
        return flatten_photo(to_grayscale(image), dropout, max_upscale or MAX_UPSCALE)
    if _is_colour(image):
        gray = red_dropout(image)
    else:
        from dangan.ingest.pages.seals import drop_seals

        gray = drop_seals(to_grayscale(image))
    # The angle comes from the gray page: thin strokes of a page already thresholded
    # fade when it is shrunk for the estimate, and too little ink is left to measure.
    straight, _ = deskew(binarize(gray), estimate_skew(gray))
    return straight


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
    if (recorded_dpi(image) or 0.0) >= 150:
        return "scan"
    if meta.get("make") or meta.get("model"):
        return "photo"
    long_side, short_side = max(image.size), min(image.size)
    if short_side >= 1000:
        ratio = long_side / short_side
        if any(abs(ratio - r) < 0.03 for r in _PHONE_RATIOS):
            return "photo"
    return "scan"
