"""Flattening phone photos of paper pages: find the sheet, warp it to an upright
rectangle at scan resolution, even out the light.

A phone photo of a form shows the sheet on a desk, seen slightly from the side, under
uneven light, with characters about 15 px tall. Tesseract breaks the slanted lines apart,
reads characters that small poorly, and its global binarisation cannot cope with light
that falls off across the page. So:

1. `find_sheet` looks for the sheet's outline at DETECT_SIDE: sharp edges in the log of
   the brightness (light multiplies, so in the log a shadow or a falloff is a slow slope
   while the sheet's edge on a darker desk is a step), the area those edges fence off
   from the frame's border, its convex hull simplified to four corners, and each side
   re-fitted as a straight line through its edge pixels. The result is accepted only as
   a convex quadrilateral with corners of 60-120° that covers the fenced area snugly,
   each side of which (unless it runs along the frame's border) has clearly darker
   surroundings just outside than paper just inside.
2. `warp_sheet` maps the quadrilateral to an upright rectangle with the sheet's aspect
   ratio, PAGE_SHORT_SIDE pixels on the short side: upscaled, as tesseract reads
   characters 30-40 px tall far better than 15 px ones.
3. `even_light` divides by an estimate of the paper's brightness (a maximum filter
   wider than any stroke, so the ink is gone, then a blur, at 1/8 scale), so the paper
   is white everywhere and a global threshold separates ink from paper.

A photo whose page fills the frame (no sheet edge, ink on light paper) keeps its
geometry and only has its light evened out; a photo in which no sheet is found with
confidence is returned as it came: nothing is cropped on a guess.

Measured on the 68 single-page phone photos of the demo corpus (seed 2018, 3 villages x
10 households), figures in `ingest.pages.preprocess`'s docstring. The sheet was found in all
68 and in none of its 39 photos of people and houses; on photos made by the demo's
generator the corners are found within 1.7 px.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from dangan.ingest.pages.dpi import keep_dpi

PAGE_SHORT_SIDE = 2000
"""Pixels on the short side of the flattened sheet: an A4 sheet at 242 dpi, characters
about 30 px tall. On the demo's 68 phone photos the mean error at 1650, 2000 and 2480
(300 dpi) pixels was 7.1 %, 6.3 % and 7.8 %: no gain beyond 2000, the differences
within the spread of tesseract's page layout from one size to the next, while 2480
has half as many pixels again to warp and read (0.2 s more per photo)."""
MAX_UPSCALE = 2.0
"""The sheet is enlarged at most this much (see `sheet_size`)."""
PAGE_DPI = round(PAGE_SHORT_SIDE / 8.27)
"""The resolution recorded on the flattened sheet, as if it were A4 (8.27 in wide)."""
DETECT_SIDE = 1000
"""The sheet is looked for at this long side (cheap, and precise to about a pixel)."""
MIN_SHEET_SHARE = 0.2
"""An area fenced off by edges smaller than this share of the frame is not the sheet."""
EDGE_SLOPE_LOW, EDGE_SLOPE_HIGH = 0.03, 0.06
"""Canny's thresholds on the slope of the log brightness per pixel at DETECT_SIDE."""
WHOLE_FRAME_EDGES = 0.003
"""With no sheet found, a page with fewer sharp-edge pixels than this share of the frame
is taken to fill the photo."""
MAX_EDGE_RATIO = 0.9
"""A sheet's side must be this much darker just outside than just inside (median)."""
A4_RATIO = 2**0.5
A_RATIO_SNAP = 0.12
"""A measured aspect ratio this close to √2 is taken for √2 (see `sheet_size`)."""
MIN_SIDE_PX = 200
"""Smaller images are not searched for a sheet."""

SheetKind = Literal["sheet", "whole", "none"]


@dataclass(frozen=True)
class Sheet:
    """Where the page is in a photo: "sheet" with its corners (top-left, top-right,
    bottom-right, bottom-left, in pixels of the photo), "whole" when the page fills the
    frame, "none" when no sheet was found with confidence."""

    kind: SheetKind
    corners: tuple[tuple[float, float], ...] = ()


def flatten_photo(
    gray: Image.Image, source: Image.Image | None = None, max_upscale: float = MAX_UPSCALE
) -> Image.Image:
    """A grayscale phone photo of a page as a flat, upright, evenly lit page (see the
    module docstring); `gray` unchanged when no sheet is found. The sheet is looked for
    in `gray` and the page made from `source` (grayscale, the same size) when given:
    the red dropout of a colour photo (`ingest.pages.preprocess.red_dropout`), in which red
    seals fade into the paper. The sheet is enlarged at most `max_upscale` times (see
    `sheet_size`)."""
    if gray.mode != "L":
        gray = gray.convert("L")
    sheet = find_sheet(gray)
    if sheet.kind == "none":
        return gray
    page = source if source is not None and source.size == gray.size else gray
    if sheet.kind == "whole":
        return even_light(page)
    return even_light(warp_sheet(page, sheet.corners, max_upscale), border=True)


def find_sheet(gray: Image.Image) -> Sheet:
    """The sheet of paper in a grayscale photo (see `Sheet` and the module docstring)."""
    array = np.asarray(gray.convert("L"))
    height, width = array.shape
    if min(height, width) < MIN_SIDE_PX:
        return Sheet("none")
    scale = min(1.0, DETECT_SIDE / max(height, width))
    small = cv2.resize(array, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if float(small.std()) < 4:  # one flat colour: no sheet to speak of
        return Sheet("none")
    edges = _sharp_edges(small)
    frame_area = float(small.size)
    contour = _enclosed_region(edges)
    if contour is not None and cv2.contourArea(contour) >= MIN_SHEET_SHARE * frame_area:
        quad = _quadrilateral(contour, edges)
        if (
            quad is not None
            and _plausible(quad, contour, frame_area)
            and _edges_are_sharp(small, quad)
        ):
            corners = tuple((float(x) / scale, float(y) / scale) for x, y in quad)
            return Sheet("sheet", corners)
    # no sheet with a clean outline: the page may fill the frame (printed matter on
    # paper, and no sharp edge of a sheet anywhere)
    if float((edges > 0).mean()) < WHOLE_FRAME_EDGES and _has_ink(small):
        return Sheet("whole")
    return Sheet("none")


def _sharp_edges(small: np.ndarray) -> np.ndarray:
    """Canny edges of the log of the photo with the ink closed away. In the log, light
    is an added term that varies slowly (a shadow's edge or the falloff across the page
    changes it by well under 0.01 per pixel), while a sheet's edge is a step of at least
    ln(paper / desk) ≈ 0.2 within two or three pixels; closing (a maximum then a minimum
    filter) first removes text, table rules and wood grain, which are thin and dark."""
    k = max(3, round(max(small.shape) / 70)) | 1
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    log = cv2.GaussianBlur(np.log(closed.astype(np.float32) + 8.0), (0, 0), 1.5)
    # Sobel's 3x3 kernel gives 8 times the slope per pixel; Canny wants integers
    dx = cv2.Sobel(log, cv2.CV_32F, 1, 0, ksize=3) * (1000 / 8)
    dy = cv2.Sobel(log, cv2.CV_32F, 0, 1, ksize=3) * (1000 / 8)
    return cv2.Canny(
        dx.astype(np.int16),
        dy.astype(np.int16),
        EDGE_SLOPE_LOW * 1000,
        EDGE_SLOPE_HIGH * 1000,
        L2gradient=True,
    )


def _enclosed_region(edges: np.ndarray) -> np.ndarray | None:
    """The outline of the largest area that sharp edges fence off from the frame's
    border: everything reachable from the border without crossing an edge is the desk,
    the rest is the sheet with whatever is printed on it."""
    walls = cv2.dilate(edges, np.ones((3, 3), np.uint8))  # no diagonal leaks
    count, labels = cv2.connectedComponents((walls == 0).astype(np.uint8), connectivity=4)
    if count < 2:
        return None
    outside = np.unique(np.concatenate([labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]]))
    inside = ~np.isin(labels, outside[outside > 0])  # walls (label 0) included
    contours, _ = cv2.findContours(
        inside.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    if not contours:
        return None
    return max(contours, key=cv2.contourArea)


def _has_ink(small: np.ndarray) -> bool:
    """Dark marks on light paper: a page, not a plain light surface."""
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    dark = (background.astype(np.int16) - small.astype(np.int16)) > 40
    return 0.002 < float(dark.mean()) < 0.3


def _quadrilateral(contour: np.ndarray, edges: np.ndarray) -> np.ndarray | None:
    """Four corners (TL, TR, BR, BL) of the region's outline: the convex hull simplified
    to four points, then each side re-fitted as a straight line through the edge pixels
    along it (the outline runs outside the edge, and is rounded at the corners)."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    approx = None
    for share in (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1):
        candidate = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(candidate) == 4:
            approx = candidate.reshape(4, 2).astype(np.float64)
            break
        if len(candidate) < 4:
            return None
    if approx is None:
        return None
    rough = _order(approx)
    points = np.argwhere(edges > 0)[:, ::-1].astype(np.float64)  # (x, y)
    lines = []
    for i in range(4):
        a, b = rough[i], rough[(i + 1) % 4]
        line = _fit_side(points, a, b)
        if line is None:
            return None
        lines.append(line)
    corners = []
    for i in range(4):
        corner = _intersect(lines[i - 1], lines[i])
        if corner is None or np.linalg.norm(corner - rough[i]) > 0.05 * perimeter:
            return None
        corners.append(corner)
    return np.array(corners)


def _order(points: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL: the sheet is never turned by more than 45° in a photo of it."""
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])
    ring = points[np.argsort(angles)]  # clockwise on screen, starting anywhere
    start = int(np.argmin(ring.sum(axis=1)))
    return np.roll(ring, -start, axis=0)


def _fit_side(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """(point, direction) of the line through the edge pixels along side a→b, leaving
    out the 10 % at each end where the corner may be rounded."""
    side = b - a
    length = float(np.linalg.norm(side))
    if length < 10:
        return None
    direction = side / length
    normal = np.array([-direction[1], direction[0]])
    rel = points - a
    along = rel @ direction / length
    across = np.abs(rel @ normal)
    near = points[(along > 0.1) & (along < 0.9) & (across < max(3.0, 0.02 * length))]
    if len(near) < 10:
        return None
    vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0, vx, vy], dtype=np.float64)


def _intersect(first: np.ndarray, second: np.ndarray) -> np.ndarray | None:
    p, d = first[:2], first[2:]
    q, e = second[:2], second[2:]
    denominator = d[0] * e[1] - d[1] * e[0]
    if abs(denominator) < 1e-6:
        return None
    t = ((q[0] - p[0]) * e[1] - (q[1] - p[1]) * e[0]) / denominator
    return p + t * d


def _plausible(quad: np.ndarray, contour: np.ndarray, frame_area: float) -> bool:
    """Convex, corners between 60° and 120°, and it covers the light region snugly."""
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return False
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cos = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
        if abs(cos) > 0.5:
            return False
    quad_area = cv2.contourArea(quad.astype(np.float32))
    region_area = cv2.contourArea(contour)
    return MIN_SHEET_SHARE * frame_area <= quad_area and 0.9 <= region_area / quad_area <= 1.05


def _edges_are_sharp(small: np.ndarray, quad: np.ndarray) -> bool:
    """Every side not on the frame's border is a step from light paper to a clearly
    darker surround, measured a short way either side of it (a light falloff or a
    shadow's soft edge changes little over that distance)."""
    height, width = small.shape
    offset = max(3.0, 0.012 * max(height, width))
    center = quad.mean(axis=0)
    sharp = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        t = np.linspace(0.1, 0.9, 40)[:, None]
        along = a + t * (b - a)
        direction = (b - a) / np.linalg.norm(b - a)
        normal = np.array([-direction[1], direction[0]])
        if (center - along.mean(axis=0)) @ normal < 0:
            normal = -normal  # point inwards
        inside = _sample(small, along + offset * normal)
        outside = _sample(small, along - offset * normal)
        if len(outside) < len(along) // 2:
            continue  # the side runs along the frame's border: nothing to compare
        inside_level = float(np.median(inside))
        if inside_level <= 0 or float(np.median(outside)) / inside_level > MAX_EDGE_RATIO:
            return False
        sharp += 1
    return sharp > 0


def _sample(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    height, width = image.shape
    xs, ys = np.round(points[:, 0]).astype(int), np.round(points[:, 1]).astype(int)
    keep = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    return image[ys[keep], xs[keep]]


def sheet_size(
    corners: tuple[tuple[float, float], ...], max_upscale: float = MAX_UPSCALE
) -> tuple[int, int, bool]:
    """(width, height, A-series) of the flattened sheet: short side PAGE_SHORT_SIDE, or
    `max_upscale` times the sheet's size in the photo if that is less (a small slip of
    paper close to the lens already has large characters; blown up to an A4's size they
    grow past what tesseract reads well). The aspect ratio is the mean of opposite sides,
    which perspective distorts (1.30 to 1.51 for the A4 and A5 sheets of the demo's phone
    photos), so within A_RATIO_SNAP of √2, the ratio of every A-series sheet (A3, A4, A5,
    and near enough B5), it is taken to be √2."""
    tl, tr, br, bl = (np.asarray(c, dtype=np.float64) for c in corners)
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    short = max(min(width, height), 1.0)
    ratio = max(width, height) / short
    a_series = abs(ratio / A4_RATIO - 1) < A_RATIO_SNAP
    if a_series:
        ratio = A4_RATIO
    short_side = round(min(PAGE_SHORT_SIDE, max_upscale * short))
    long_side = round(short_side * ratio)
    if height >= width:
        return short_side, long_side, a_series
    return long_side, short_side, a_series


def warp_sheet(
    gray: Image.Image, corners: tuple[tuple[float, float], ...], max_upscale: float = MAX_UPSCALE
) -> Image.Image:
    """The quadrilateral `corners` (TL, TR, BR, BL) of `gray` as an upright rectangle
    (see `sheet_size`); an A-series sheet is recorded at the resolution an A4 would have."""
    width, height, a_series = sheet_size(corners, max_upscale)
    source = np.array(corners, dtype=np.float32)
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(source, target)
    flat = cv2.warpPerspective(
        np.asarray(gray.convert("L")),
        matrix,
        (width, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    out = Image.fromarray(flat)
    if a_series:
        dpi = round(PAGE_DPI * min(width, height) / PAGE_SHORT_SIDE)
        out.info["dpi"] = (dpi, dpi)
    return out


def even_light(gray: Image.Image, border: bool = False) -> Image.Image:
    """Paper made white everywhere: the image divided by its paper brightness, estimated
    at 1/8 scale as a maximum filter (wider than any stroke, so the ink is gone) then a
    blur. With `border`, a thin band at the edges (where a sliver of desk may remain
    after warping) is painted white; a sheet carries no text that close to its edge."""
    array = np.asarray(gray.convert("L"))
    height, width = array.shape
    small = cv2.resize(
        array,
        (max(1, width // 8), max(1, height // 8)),
        interpolation=cv2.INTER_AREA,
    )
    k = max(3, round(max(small.shape) / 60)) | 1
    paper = cv2.dilate(small, np.ones((k, k), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), k)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = array.astype(np.float32) * (255.0 / np.maximum(paper.astype(np.float32), 1.0))
    out = np.clip(flat, 0, 255).astype(np.uint8)
    if border:
        band = max(2, round(0.004 * min(width, height)))
        out[:band, :] = 255
        out[-band:, :] = 255
        out[:, :band] = 255
        out[:, -band:] = 255
    return keep_dpi(Image.fromarray(out), gray)
