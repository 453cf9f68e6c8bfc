"""Dropping grey official seals from grayscale scans before OCR.

A round official seal (公章: a ring, a star, the unit's name round the upper rim) is
printed in red over the date and signature lines. A colour scan loses it by red dropout
(`ingest.pages.preprocess.red_dropout`); in a grayscale scan it is mid-grey ink (roughly 0.45-0.75
of the paper's level, the core of black text below 0.25) and, over the few percent of the
page it covers, too small a share of the histogram for a page-wide threshold to cut it
away. Kept as ink, it fuses with the characters under it and tesseract loses those lines.

1. `find_seals` marks the pixels at seal-grey levels (SEAL_GREY, relative to the paper),
   keeps the cells of a copy at about DETECT_PX_PER_MM that are mostly such pixels (the
   grey edges of black strokes are a pixel or two wide and drop out), and looks for
   circles of SEAL_RADIUS_MM in that mask (OpenCV's HOUGH_GRADIENT_ALT). A circle is
   taken for a seal only if seal-grey ink runs round MIN_RING_COVERAGE of it and its
   middle is mostly free of it: black rules and characters like 〇 or 回 leave no grey
   band, a circle inside a cell of grey table rules runs along them for too little of
   it, and a filled grey disk (a photograph) is not a ring.
2. `drop_seals` refits each ring at full resolution and turns to paper, within it,
   what is lighter than a cut under the darkest of the seal's own ink (read off the
   ring's middle, `_cut`): on the ring, everything; inside it, grey that forms strokes
   wider than text's thin ones, and what is about as light as them nearby. The text under
   the seal is darker than the seal (the inks multiply) and stays; so does text darker
   than the seal's ink around it.

Measured on the demo corpus (seed 2018, 3 villages x 10 households): seals found on all 27
of its 119 grey scans that carry one and on none of the other 92 (nor on the other pages
of its 15 three-page ones; ID-card copies, with their small round emblem, among them);
read as grey, its colour scans gave 25 of 25 and no false one in 61. Mean tesseract CER
of the 27 pages: 14.2 % before, 8.9 % after. On an A4 page at 300 dpi 10-35 ms without a
seal (a page with little grey is done before the circle search), 25-50 ms with one.

Limits: text as light as the seal's ink (thin strokes of a serif face at 200 dpi) loses
the bits that touch the seal's strokes; seal characters in strokes narrower than
STROKE_MM are taken for text and stay, faintly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from dangan.ingest.pages.dpi import keep_dpi, recorded_dpi

SEAL_RADIUS_MM = (12.0, 26.0)
"""Chinese official seals are 38-45 mm across; the margin on either side covers smaller
special-purpose seals, a scan at a dpi it does not record, and A5 pages taken for A4."""
SEAL_GREY = (0.35, 0.8)
"""Seal ink is between these shares of the paper's level: red ink read as grey. Black
text is darker, a table's grey shading and the paper's mottling lighter."""
DETECT_PX_PER_MM = 4.5
"""The circles are looked for at no more than this resolution (a 300 dpi page at a
third): a seal's ring (about 1 mm) is still a few pixels wide, and the search is cheap."""
CELL_SHARE = 0.6
"""A cell of the detection copy is seal ink when this share of its pixels is."""
MIN_RING_COVERAGE = 0.75
"""Share of a circle's circumference that must be seal-grey ink (text printed across the
ring and a faded stretch leave gaps). The seals on the demo's grey scans reach 96-100 %;
a circle inside a square table cell, touching its four sides, runs near them for about
60 % when the rules are as wide and as grey as a seal's ring."""
MAX_CENTRE_INK = 0.35
"""Largest share of seal-grey ink within half the radius: a seal's star covers about an
eighth of it, a filled grey disk all of it."""
MARGIN_MM = 1.0
"""Whitened beyond the circle found: the ring's outer half and the blur of the scan."""
MIN_RING_GREY = 0.5
"""Share of the middle of a found ring that must be seal-grey for it to be whitened."""
CUT_BELOW_SEAL = 0.12
"""The cut between text and seal lies this share of the paper's level below the ring's
darkest seal-grey (its 5th percentile): the ink varies over the seal, the star or a
character can be darker than the ring. Text under the seal is multiplied by the seal's
ink (about half the paper's level) and lies well below."""
STROKE_MM = 0.55
"""The seal's ink is whitened where it forms strokes at least this wide (its ring and
characters are 0.5-1.5 mm); narrower grey is a thin stroke or the edge of text."""
GROW_MM = 0.5
"""...and this far beyond them (see `_seal_strokes`)..."""
SEAL_SPREAD = 0.15
"""...what is no darker than the seal's ink nearby less this share of the paper's level:
the seal's ink varies little over a few millimetres."""
_A4_SHORT_MM = 210.0
_ANGLES = 180


@dataclass(frozen=True)
class Seal:
    """A seal's ring in the page's pixels: centre, radius (to the ring's middle) and the
    ring's half width."""

    x: float
    y: float
    r: float
    half_width: float


def px_per_mm(gray: Image.Image) -> float:
    """Pixels per millimetre: from the recorded dpi, else as if the page were A4."""
    value = recorded_dpi(gray) or 0.0
    if value >= 100:  # 72 or 96 is a default written by software, not a scanner's
        return value / 25.4
    return min(gray.size) / _A4_SHORT_MM


def _paper_level(pixels: np.ndarray) -> int:
    """The commonest light level: the paper."""
    hist = np.bincount(pixels[::4, ::4].ravel(), minlength=256)
    return 128 + int(np.argmax(hist[128:]))


def _grey_band(paper: int) -> tuple[int, int]:
    return round(paper * SEAL_GREY[0]), round(paper * SEAL_GREY[1])


def find_seals(gray: Image.Image) -> list[Seal]:
    """The round seals printed in grey on a grayscale page (mode "L"), the likeliest
    first."""
    pixels = np.asarray(gray)
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        return []
    return _find(pixels, _paper_level(pixels), px_per_mm(gray))


def _find(pixels: np.ndarray, paper: int, ppm: float) -> list[Seal]:
    step = max(1, math.ceil(ppm / DETECT_PX_PER_MM))
    small_ppm = ppm / step
    r_min = round(SEAL_RADIUS_MM[0] * small_ppm)
    r_max = round(SEAL_RADIUS_MM[1] * small_ppm)
    if r_min < 8:  # a thumbnail: no ring to make out
        return []
    band = _grey_band(paper)
    # Pillow's box reduction of the full-resolution mask gives each cell's share of
    # seal-grey pixels; shrinking the page first would turn the edges of black strokes
    # into grey cells.
    share = np.asarray(Image.fromarray(cv2.inRange(pixels, *band)).reduce(step))
    mask = (share >= round(255 * CELL_SHARE)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    # A ring two cells wide and inked round a third of it has this many cells; most
    # pages have fewer and are done without the circle search.
    if int(mask.sum()) < 2 * math.pi * r_min * 2 / 3:
        return []
    found = cv2.HoughCircles(
        cv2.GaussianBlur(mask * 255, (0, 0), 1.5),
        cv2.HOUGH_GRADIENT_ALT,
        dp=1.5,
        minDist=r_min,
        param1=100,  # Canny's upper threshold on the blurred 0/255 mask: the ring's edges
        param2=0.5,  # a low bar for roundness: every candidate is checked below
        minRadius=r_min,
        maxRadius=r_max,
    )
    if found is None:
        return []
    seals: list[tuple[float, Seal]] = []
    for x, y, r in found[0]:
        checked = _check_ring(mask, float(x), float(y), float(r), small_ppm)
        if checked is None:
            continue
        coverage, radius = checked
        seal = _fit_ring(pixels, band, float(x) * step, float(y) * step, radius * step, ppm)
        if any(math.hypot(seal.x - s.x, seal.y - s.y) < max(seal.r, s.r) for _, s in seals):
            continue  # the same seal again (the ring's inner and outer edge)
        seals.append((coverage, seal))
    return [s for _, s in sorted(seals, key=lambda cs: -cs[0])]


def _ring_coverage(mask: np.ndarray, x: float, y: float, r: float, reach: int) -> float:
    """Share of the circle's circumference (the part on the page) with ink within
    `reach` pixels across it; 0 when most of the circle is off the page."""
    angles = np.linspace(0, 2 * np.pi, _ANGLES, endpoint=False)
    radii = r + np.arange(-reach, reach + 1)[:, None]
    xs = np.rint(x + radii * np.cos(angles)).astype(np.int64)
    ys = np.rint(y + radii * np.sin(angles)).astype(np.int64)
    height, width = mask.shape
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    on_page = inside.all(axis=0)
    if on_page.mean() < 0.5:
        return 0.0
    inked = np.zeros(xs.shape, dtype=bool)
    inked[inside] = mask[ys[inside], xs[inside]] > 0
    return float(inked.any(axis=0)[on_page].mean())


def _check_ring(
    mask: np.ndarray, x: float, y: float, r: float, ppm: float
) -> tuple[float, float] | None:
    """(coverage, radius) when the circle is a seal's ring, the radius adjusted to the
    ring's middle (the search may settle on its inner or outer edge); else None."""
    reach = max(1, round(0.4 * ppm))
    best = max(
        (_ring_coverage(mask, x, y, r * k, reach), r * k) for k in np.linspace(0.94, 1.06, 7)
    )
    coverage, radius = best
    if coverage < MIN_RING_COVERAGE:
        return None
    half = radius / 2
    x0, x1 = max(0, int(x - half)), min(mask.shape[1], int(x + half) + 1)
    y0, y1 = max(0, int(y - half)), min(mask.shape[0], int(y + half) + 1)
    ys, xs = np.ogrid[y0:y1, x0:x1]
    centre = (xs - x) ** 2 + (ys - y) ** 2 <= half * half
    if not centre.any() or mask[y0:y1, x0:x1][centre].mean() > MAX_CENTRE_INK:
        return None
    return coverage, radius


def _fit_ring(
    pixels: np.ndarray, band: tuple[int, int], x: float, y: float, r: float, ppm: float
) -> Seal:
    """The ring found on the small copy, fitted to the seal-grey pixels near it at full
    resolution: a few pixels off there is a sliver of ring left as ink."""
    half_width = 0.5 * ppm
    for tolerance in (0.1 * r, 0.05 * r + 0.5 * ppm):
        reach = r + tolerance
        x0, y0 = max(0, int(x - reach)), max(0, int(y - reach))
        x1 = min(pixels.shape[1], math.ceil(x + reach) + 1)
        y1 = min(pixels.shape[0], math.ceil(y + reach) + 1)
        ys, xs = np.nonzero(cv2.inRange(pixels[y0:y1, x0:x1], *band))
        xs, ys = xs + float(x0), ys + float(y0)
        near = np.abs(np.hypot(xs - x, ys - y) - r) <= tolerance
        if near.sum() < 2 * math.pi * r * 0.3:
            break
        xs, ys = xs[near], ys[near]
        # Kåsa's fit: x² + y² + a·x + b·y + c = 0 by least squares
        design = np.column_stack([xs, ys, np.ones_like(xs)])
        (a, b, c), *_ = np.linalg.lstsq(design, -(xs * xs + ys * ys), rcond=None)
        fx, fy = -a / 2, -b / 2
        fr = math.sqrt(max(fx * fx + fy * fy - c, 1.0))
        if math.hypot(fx - x, fy - y) > 0.1 * r or abs(fr - r) > 0.1 * r:
            break  # pulled away by other grey ink: keep what the search found
        x, y, r = fx, fy, fr
        half_width = float(np.percentile(np.abs(np.hypot(xs - x, ys - y) - r), 80))
    return Seal(float(x), float(y), float(r), half_width)


def _cut(ring: np.ndarray, paper: int) -> int | None:
    """The level below which a pixel in a seal's disk is text, from the levels along the
    middle of its ring: under the darkest of the seal's own ink (a low percentile of the
    ring's seal-grey pixels, less CUT_BELOW_SEAL), above the text printed over it, which
    the seal's ink darkens further. None when the ring is not mostly seal-grey."""
    lo, hi = _grey_band(paper)
    seal = ring[(ring >= lo) & (ring <= hi)]
    if seal.size < MIN_RING_GREY * max(ring.size, 1):
        return None
    return int(np.percentile(seal, 5)) - round(CUT_BELOW_SEAL * paper)


def _seal_strokes(region: np.ndarray, cut: int, paper: int, ppm: float) -> np.ndarray:
    """Where the seal's ink is inside its ring: grey that forms strokes at least
    STROKE_MM wide (a scan's thin text strokes and the edges of black ones are grey
    too, but narrower), then, within GROW_MM of them, whatever is about as light as the
    seal's ink nearby or lighter: the strokes' blurred edges and the bits of them that
    text cut too short to pass as strokes. Text darker than the seal there is kept."""
    grey = cv2.inRange(region, cut + 1, _grey_band(paper)[1])
    side = max(2, round(STROKE_MM * ppm))
    strokes = cv2.morphologyEx(
        grey, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    )
    # the mean level of the seal's strokes within a millimetre or so of each pixel
    # (stack blur: close to a Gaussian of that width, at a sixth of the cost)
    window = (4 * round(ppm) + 1, 4 * round(ppm) + 1)
    weight = cv2.stackBlur((strokes > 0).astype(np.float32), window)
    level = cv2.stackBlur(np.where(strokes > 0, region, 0).astype(np.float32), window)
    level /= np.maximum(weight, 1e-6)
    grow = max(1, round(GROW_MM * ppm))
    near = cv2.dilate(
        strokes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    )
    return (near > 0) & (region > cut) & (region >= level - SEAL_SPREAD * paper)


def drop_seals(gray: Image.Image) -> Image.Image:
    """The page with the grey ink of its round seals turned to paper and the text under
    them kept; `gray` itself when it has none. Keeps the recorded dpi."""
    pixels = np.asarray(gray)
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        return gray
    paper = _paper_level(pixels)
    ppm = px_per_mm(gray)
    seals = _find(pixels, paper, ppm)
    if not seals:
        return gray
    pixels = pixels.copy()
    margin = MARGIN_MM * ppm
    height, width = pixels.shape
    for seal in seals:
        reach = seal.r + seal.half_width + margin
        x0, x1 = max(0, int(seal.x - reach)), min(width, math.ceil(seal.x + reach) + 1)
        y0, y1 = max(0, int(seal.y - reach)), min(height, math.ceil(seal.y + reach) + 1)
        ys, xs = np.ogrid[y0:y1, x0:x1]
        distance = np.sqrt((xs - seal.x) ** 2 + (ys - seal.y) ** 2)
        region = pixels[y0:y1, x0:x1]
        cut = _cut(region[np.abs(distance - seal.r) <= seal.half_width / 2], paper)
        if cut is None:
            continue
        # The ring is known by its geometry, all of it, its blurred edges too; inside
        # it the characters and the star only by the width of their strokes.
        ring = np.abs(distance - seal.r) <= seal.half_width + margin
        ink = ring | (_seal_strokes(region, cut, paper, ppm) & (distance < seal.r))
        region[ink & (region > cut)] = paper
    return keep_dpi(Image.fromarray(pixels), gray)
