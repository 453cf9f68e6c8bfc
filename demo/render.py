"""Page images that look like what reaches a township archivist.

``draw_page`` paints a laid-out page (text, table rules, red seals, ID cards) on white
paper; ``scan_effects`` makes it a flatbed scan (grey paper, skew up to 1.5°, dust,
noise, blur; JPEG artefacts come from saving); ``phone_effects`` makes it a phone photo
(page on a desk, perspective, uneven light); ``work_photo`` paints a photo of a helper's
visit. The ``save_*`` functions write JPEG/PNG/TIFF/image-PDF bytes with fixed metadata,
so the same seed gives the same bytes. All randomness comes from the ``rng`` passed in.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import time
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from dangan.demo.layout import Page, pil_font

A4_PT = (595.28, 841.89)
INK = (28, 28, 30)
HAND_INK = (24, 38, 96)
SEAL_INK = (206, 36, 48)


# -- drawing a page ------------------------------------------------------------------


def _ink(mode: str, rgb: tuple[int, int, int]) -> int | tuple[int, int, int]:
    if mode == "L":
        return int(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])
    return rgb


def draw_page(
    page: Page,
    dpi: int,
    rng: random.Random,
    *,
    mode: str = "RGB",
    traditional: bool = False,
    skew: float = 0.0,
    paper: tuple[int, int, int] = (255, 255, 255),
    background: Image.Image | None = None,
) -> Image.Image:
    """Paint ``page`` at ``dpi`` on clean white paper, turned by ``skew`` degrees (as a
    sheet lies crooked on the glass). The turn moves every character and rule; glyphs
    themselves stay upright, which at 1.5 degrees no eye can tell, and it costs a small
    part of turning the whole image."""
    from dangan.demo.layout import advance

    s = dpi / 72.0
    size = (round(page.width * s), round(page.height * s))
    if background is not None and background.size == size and background.mode == mode:
        img = background
    else:
        img = Image.new(mode, size, _ink(mode, paper))
    draw = ImageDraw.Draw(img)
    cx, cy = size[0] / 2, size[1] / 2
    a = math.radians(-skew)
    ca, sa = math.cos(a), math.sin(a)

    def T(x: float, y: float) -> tuple[float, float]:
        x, y = x * s - cx, y * s - cy
        return (cx + x * ca - y * sa, cy + x * sa + y * ca)

    for box in page.boxes:
        _draw_box(draw, T, box.x, box.y, box.w, box.h, box.kind, mode, s)
    grey = rng.randint(20, 60)
    line_ink = _ink(mode, (grey + 10, grey + 10, grey + 10))
    for rule in page.rules:
        w = max(1, round(rule.width * s * 0.9))
        draw.line([T(rule.x1, rule.y1), T(rule.x2, rule.y2)], fill=line_ink, width=w)
    ink = _ink(mode, (grey, grey, grey + 2))
    hand = _ink(mode, rng.choice((HAND_INK, (20, 20, 24), (36, 48, 120))))
    for run in page.runs:
        px = max(6, round(run.size * s))
        if run.font != "hand" and not skew:
            draw.text(
                T(run.x, run.y),
                run.text,
                font=pil_font(run.font, px, traditional),
                fill=ink,
                anchor="ls",
            )
            continue
        font = pil_font(run.font, px, traditional)
        x = run.x
        for ch in run.text:
            adv = advance(run.font, ch, traditional) * run.size
            if not ch.isspace():
                if run.font == "hand":  # a pen: each character a little off its place
                    f = pil_font("hand", max(6, round(px * rng.uniform(0.92, 1.06))), traditional)
                    dx = rng.uniform(-0.05, 0.05) * run.size
                    dy = rng.uniform(-0.07, 0.07) * run.size
                    draw.text(T(x + dx, run.y + dy), ch, font=f, fill=hand, anchor="ls")
                else:
                    draw.text(T(x, run.y), ch, font=font, fill=ink, anchor="ls")
            x += adv
    for stamp in page.stamps:
        sx, sy = T(stamp.cx, stamp.cy)
        _stamp(img, sx, sy, stamp.r * s, stamp.text, rng, traditional)
    return img


def _draw_box(
    draw: ImageDraw.ImageDraw,
    T: Callable[[float, float], tuple[float, float]],
    x: float,
    y: float,
    w: float,
    h: float,
    kind: str,
    mode: str,
    s: float,
) -> None:
    def poly(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
        return [T(x0, y0), T(x1, y0), T(x1, y1), T(x0, y1)]

    if kind == "card":
        draw.polygon(
            poly(x, y, x + w, y + h),
            fill=_ink(mode, (236, 236, 232)),
            outline=_ink(mode, (90, 90, 90)),
            width=max(1, round(s)),
        )
    elif kind == "photo":
        draw.polygon(poly(x, y, x + w, y + h), fill=_ink(mode, (212, 212, 210)))
        hx, hy = T(x + w / 2, y + h * 0.36)
        draw.ellipse(
            [hx - w * 0.22 * s, hy - h * 0.2 * s, hx + w * 0.22 * s, hy + h * 0.2 * s],
            fill=_ink(mode, (120, 118, 116)),
        )
        draw.polygon(
            poly(x + w * 0.1, y + h * 0.64, x + w * 0.9, y + h), fill=_ink(mode, (105, 105, 108))
        )
    elif kind == "emblem":
        ex, ey = T(x + w / 2, y + h / 2)
        r = w / 2 * s
        draw.ellipse(
            [ex - r, ey - r, ex + r, ey + r],
            outline=_ink(mode, (150, 60, 60)),
            width=max(1, round(r / 7)),
        )
        _star(draw, ex, ey, r * 0.56, _ink(mode, (170, 70, 60)))


def _star(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: int | tuple[int, int, int]
) -> None:
    pts = []
    for k in range(10):
        rr = r if k % 2 == 0 else r * 0.4
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(pts, fill=fill)


def _stamp(
    img: Image.Image,
    cx: float,
    cy: float,
    r: float,
    text: str,
    rng: random.Random,
    traditional: bool,
) -> None:
    """A red official seal: ring, star, the unit's name round the upper rim, uneven ink."""
    size = int(2 * r + 8)
    mask = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(mask)
    c = size / 2
    ring = max(2, round(r * 0.055))
    d.ellipse([c - r, c - r, c + r, c + r], outline=255, width=ring)
    _star(d, c, c, r * 0.3, 255)
    n = len(text)
    span = min(250.0, 24.0 * n + 20)
    fs = max(6, round(r * (0.34 if n < 10 else 0.28)))
    font = pil_font("bold", fs, traditional)
    for k, ch in enumerate(text):
        theta = -90 - span / 2 + span * (k + 0.5) / n  # degrees, 0 = east, y down
        rad = math.radians(theta)
        tile = Image.new("L", (fs * 2, fs * 2), 0)
        ImageDraw.Draw(tile).text((fs, fs), ch, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-(theta + 90), resample=Image.Resampling.BILINEAR)
        px = c + (r - ring - fs * 0.62) * math.cos(rad)
        py = c + (r - ring - fs * 0.62) * math.sin(rad)
        mask.paste(255, (int(px - fs), int(py - fs)), tile)
    # uneven ink: a coarse random field, then a random turn of the whole seal
    field = Image.frombytes("L", (12, 12), bytes(150 + b % 106 for b in rng.randbytes(144)))
    mask = ImageChops.multiply(mask, field.resize(mask.size, Image.Resampling.BICUBIC))
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BILINEAR)
    mask = mask.point(lambda v: int(v * 0.85))
    box = (int(cx - size / 2), int(cy - size / 2))
    region = img.crop((box[0], box[1], box[0] + size, box[1] + size))
    colour = Image.new(img.mode, region.size, _ink(img.mode, SEAL_INK))
    inked = ImageChops.multiply(region, colour)
    img.paste(Image.composite(inked, region, mask), box)


# -- scans -----------------------------------------------------------------------------


def _noise(size: tuple[int, int], rng: random.Random, amplitude: int, grain: int) -> Image.Image:
    """Zero-centred noise as an L image around 128, made from the seeded rng (Pillow's own
    noise is not seedable)."""
    w, h = max(1, size[0] // grain), max(1, size[1] // grain)
    a = rng.randbytes(w * h)
    b = rng.randbytes(w * h)
    n1 = Image.frombytes("L", (w, h), a)
    n2 = Image.frombytes("L", (w, h), b)
    tri = ImageChops.add(n1, n2, scale=2.0)  # triangular: closer to gaussian than uniform
    scale = amplitude / 128.0
    tri = tri.point(lambda v: max(0, min(255, round(128 + (v - 128) * scale * 2))))
    if grain > 1:
        tri = tri.resize(size, Image.Resampling.BILINEAR)
    return tri


def _add_noise(img: Image.Image, noise: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        noise = Image.merge("RGB", (noise, noise, noise))
    return ImageChops.add(img, noise, scale=1.0, offset=-128)


def _paper(
    size: tuple[int, int],
    mode: str,
    rng: random.Random,
    tint: tuple[float, float, float],
    lo: int = 226,
    hi: int = 247,
) -> Image.Image:
    """Grey/yellowish paper with low-frequency mottling, as a multiply layer."""
    cells = (rng.randint(5, 9), rng.randint(7, 12))
    field = Image.frombytes(
        "L", cells, bytes(lo + b % (hi - lo) for b in rng.randbytes(cells[0] * cells[1]))
    )
    field = field.resize(size, Image.Resampling.BILINEAR)
    if mode == "L":
        return field
    return Image.merge("RGB", [field.point(lambda v, t=t: int(v * t)) for t in tint])


_NOISE_TILE = 509  # odd, so the tiling has no visible period on a page


def _noise_layer(size: tuple[int, int], rng: random.Random, amplitude: int) -> Image.Image:
    """Sensor noise for a whole page, as one seeded tile repeated."""
    tile = _noise((_NOISE_TILE, _NOISE_TILE), rng, amplitude, 1)
    layer = Image.new("L", size)
    for y in range(0, size[1], _NOISE_TILE):
        for x in range(0, size[0], _NOISE_TILE):
            layer.paste(tile, (x, y))
    return layer


def scan_paper(size: tuple[int, int], mode: str, rng: random.Random) -> Image.Image:
    """The sheet as the scanner sees it: grey or yellowish, mottled, with the sensor's
    noise. ``draw_page`` paints on it."""
    tint = rng.choice(((1.0, 0.99, 0.955), (1.0, 1.0, 0.985), (0.99, 0.985, 0.96)))
    paper = _add_noise(
        _paper(size, "L", rng, tint, lo=228, hi=250), _noise_layer(size, rng, rng.randint(4, 8))
    )
    if mode == "RGB":
        paper = Image.merge("RGB", [paper.point(lambda v, t=t: int(v * t)) for t in tint])
    return paper


def scan_effects(img: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """What the scanner adds to a page drawn on ``scan_paper``: dust and a hair, sometimes
    the shadow of the lid along an edge and the blur of the optics. (The skew is drawn in
    by ``draw_page``; the JPEG artefacts come with saving.)"""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    dark = _ink(img.mode, (70, 70, 70))
    for _ in range(rng.randint(8, 40)):  # dust and specks
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.uniform(0.6, 2.2) * dpi / 200
        draw.ellipse([x - r, y - r, x + r, y + r], fill=dark)
    for _ in range(rng.randint(0, 2)):  # a hair
        x, y = rng.randrange(w), rng.randrange(h)
        pts = [(x, y)]
        for _k in range(4):
            x += rng.uniform(-30, 30) * dpi / 200
            y += rng.uniform(-30, 30) * dpi / 200
            pts.append((x, y))
        draw.line(pts, fill=dark, width=1)
    if rng.random() < 0.5:  # shadow along the edge where the lid did not close
        band = max(4, int(w * rng.uniform(0.006, 0.02)))
        grad = Image.linear_gradient("L").rotate(90).resize((band, h))
        grad = grad.point(lambda v: 120 + v * 135 // 255)
        left = rng.random() < 0.5
        if not left:
            grad = grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        box = (0, 0, band, h) if left else (w - band, 0, w, h)
        region = img.crop(box)
        shade = grad if img.mode == "L" else Image.merge("RGB", (grad, grad, grad))
        img.paste(ImageChops.multiply(region, shade), box[:2])
    if img.mode == "L" and rng.random() < 0.35:  # a softer scanner (RGB pages: too slow)
        img = img.filter(ImageFilter.BoxBlur(0.5))
    return img


# -- phone photos --------------------------------------------------------------------


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8x8, no numpy)."""
    n = len(b)
    m = [[*row[:], b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for k in range(col, n + 1):
                    m[r][k] -= f * m[col][k]
    return [m[i][n] / m[i][i] for i in range(n)]


def perspective_coeffs(
    dst: list[tuple[float, float]], src: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) that map output points ``dst`` to
    input points ``src``."""
    a: list[list[float]] = []
    b: list[float] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    return _solve(a, b)


def _background(full: tuple[int, int], rng: random.Random) -> Image.Image:
    """A desk, a wooden table or a cloth, made at half size and enlarged (soft, cheap)."""
    kind = rng.choice(("wood", "desk", "cloth"))
    base = {"wood": (150, 105, 70), "desk": (196, 192, 184), "cloth": (70, 80, 95)}[kind]
    size = (full[0] // 2, full[1] // 2)
    w, h = size
    field = Image.frombytes("L", (6, 8), bytes(200 + b % 56 for b in rng.randbytes(48)))
    field = field.resize(size, Image.Resampling.BICUBIC)
    img = Image.new("RGB", size, base)
    img = ImageChops.multiply(img, Image.merge("RGB", (field, field, field)))
    if kind == "wood":
        d = ImageDraw.Draw(img)
        y = 0.0
        while y < h:
            y += rng.uniform(3, 11)
            c = tuple(max(0, v - rng.randint(8, 25)) for v in base)
            d.line([(0, y), (w, y + rng.uniform(-10, 10))], fill=c, width=rng.randint(1, 2))
    return img.resize(full, Image.Resampling.BILINEAR)


def phone_effects(
    page_img: Image.Image, rng: random.Random, *, canvas_width: int | None = None
) -> Image.Image:
    """A phone photo of a page lying on a desk or pinned to a board: the page fills most of
    the frame, seen slightly from the side, under uneven light."""
    cw = canvas_width or rng.choice((1080, 1200, 1280))
    ch = round(cw * 4 / 3)
    bg = _background((cw, ch), rng)
    pw, ph = page_img.size
    fill = rng.uniform(0.80, 0.92)
    scale = min(cw * fill / pw, ch * fill / ph)
    tw, th = pw * scale, ph * scale
    x0, y0 = (cw - tw) / 2, (ch - th) / 2

    def j(k: float) -> float:
        return rng.uniform(-k, k) * cw

    dst = [
        (x0 + j(0.035), y0 + j(0.035)),
        (x0 + tw + j(0.035), y0 + j(0.035)),
        (x0 + tw + j(0.03), y0 + th + j(0.03)),
        (x0 + j(0.03), y0 + th + j(0.03)),
    ]
    # the sheet is warped with a margin of its own colour around it and a mask that is
    # zero on the margin, so its edges come out smooth rather than stair-stepped
    pad = 6
    rgb = page_img.convert("RGB")
    page = Image.new("RGB", (pw + 2 * pad, ph + 2 * pad), rgb.getpixel((2, 2)))
    page.paste(rgb, (pad, pad))
    mask = Image.new("L", page.size, 0)
    mask.paste(255, (pad, pad, pad + pw, pad + ph))
    src = [
        (pad, pad),
        (pad + float(pw), pad),
        (pad + float(pw), pad + float(ph)),
        (pad, pad + float(ph)),
    ]
    coeffs = perspective_coeffs(dst, src)
    warped = page.transform(
        (cw, ch), Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BILINEAR
    )
    alpha = mask.transform(
        (cw, ch), Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BILINEAR
    )
    # soft shadow under the sheet and uneven light, both made at 1/8 scale (they are
    # smooth), then enlarged
    sw, sh = cw // 8, ch // 8
    shadow = Image.new("L", (sw, sh), 255)
    ImageDraw.Draw(shadow).polygon([((x + 6) / 8, (y + 9) / 8) for x, y in dst], fill=150)
    shadow = shadow.filter(ImageFilter.GaussianBlur(1.2)).resize(
        (cw, ch), Image.Resampling.BILINEAR
    )
    bg.paste((0, 0, 0), (0, 0), ImageChops.invert(shadow).point(lambda v: v * 3 // 4))
    img = Image.composite(warped, bg, alpha)
    light = Image.frombytes("L", (2, 2), bytes(rng.randint(150, 255) for _ in range(4)))
    light = light.resize((sw, sh), Image.Resampling.BILINEAR).point(lambda v: max(v, 165))
    if rng.random() < 0.4:  # the phone's own shadow
        blob = Image.new("L", (sw, sh), 255)
        bx, by = rng.uniform(0, sw), rng.uniform(0, sh)
        rr = rng.uniform(0.2, 0.4) * sw
        ImageDraw.Draw(blob).ellipse([bx - rr, by - rr, bx + rr, by + rr], fill=185)
        light = ImageChops.multiply(light, blob.filter(ImageFilter.GaussianBlur(5)))
    warm = rng.choice(((255, 246, 228), (246, 250, 255), (255, 252, 245)))
    light_rgb = Image.merge("RGB", [light.point(lambda v, k=k: v * k // 255) for k in warm])
    img = ImageChops.multiply(img, light_rgb.resize((cw, ch), Image.Resampling.BILINEAR))
    # the page was drawn larger and shrunk by the warp, which softens it like a lens
    return _add_noise(img, _noise_layer(img.size, rng, rng.randint(4, 8)))


# -- photos of the work ----------------------------------------------------------------


def work_photo(
    rng: random.Random,
    *,
    stamp: str | None = None,
    banner: str | None = None,
    size: tuple[int, int] = (1600, 1200),
    traditional: bool = False,
) -> Image.Image:
    """A synthetic photo of a visit: a farmhouse, a yard, two to four people; a red banner
    on the wall and the camera's orange date stamp when given."""
    w, h = size
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    sky_top, sky_low = (120 + rng.randint(0, 40), 160 + rng.randint(0, 30), 215), (225, 232, 238)
    horizon = int(h * rng.uniform(0.32, 0.42))
    for y in range(horizon):
        t = y / max(1, horizon)
        d.line(
            [(0, y), (w, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(sky_top, sky_low, strict=True)),
        )
    hill = [(0, horizon)]
    for k in range(9):
        hill.append((w * k / 8, horizon - rng.uniform(0.03, 0.12) * h))
    hill.append((w, horizon))
    d.polygon(hill, fill=(92 + rng.randint(0, 30), 118 + rng.randint(0, 20), 84))
    ground = rng.choice(((150, 140, 120), (128, 118, 96), (160, 158, 150)))
    d.rectangle([0, horizon, w, h], fill=ground)
    # the house
    hx0, hx1 = int(w * rng.uniform(0.08, 0.25)), int(w * rng.uniform(0.7, 0.92))
    hy0, hy1 = int(h * 0.28), int(h * 0.72)
    wall = rng.choice(((205, 196, 180), (186, 170, 150), (172, 120, 96)))
    d.rectangle([hx0, hy0, hx1, hy1], fill=wall)
    roof = rng.choice(((96, 70, 62), (80, 84, 92), (120, 60, 50)))
    d.polygon([(hx0 - 30, hy0), ((hx0 + hx1) / 2, hy0 - h * 0.13), (hx1 + 30, hy0)], fill=roof)
    door_x = int((hx0 + hx1) / 2 + rng.uniform(-0.1, 0.1) * w)
    d.rectangle([door_x - 60, hy0 + int(h * 0.16), door_x + 60, hy1], fill=(96, 56, 40))
    for side in (-1, 1):
        d.rectangle(
            [door_x + side * 80 - 14, hy0 + int(h * 0.14), door_x + side * 80 + 14, hy1 - 30],
            fill=(200, 40, 40),
        )  # spring couplets
        wx = door_x + side * int(w * 0.2)
        d.rectangle(
            [wx - 70, hy0 + int(h * 0.12), wx + 70, hy0 + int(h * 0.28)],
            fill=(110, 130, 150),
            outline=(70, 60, 50),
            width=5,
        )
    if banner:
        bw = min(hx1 - hx0 - 40, int(len(banner) * h * 0.05))
        by = hy0 + int(h * 0.03)
        bx = (hx0 + hx1 - bw) // 2
        d.rectangle([bx, by, bx + bw, by + int(h * 0.07)], fill=(190, 25, 30))
        f = pil_font("bold", int(h * 0.045), traditional)
        d.text((bx + bw / 2, by + h * 0.035), banner, font=f, fill=(250, 230, 120), anchor="mm")
    # people
    n = rng.randint(2, 4)
    for k in range(n):
        px = int(w * (0.2 + 0.6 * (k + rng.uniform(0.1, 0.9)) / n))
        base = int(h * rng.uniform(0.86, 0.95))
        tall = h * rng.uniform(0.36, 0.44)
        head = tall * 0.14
        cloth = rng.choice(
            (
                (40, 60, 120),
                (30, 30, 35),
                (150, 40, 40),
                (90, 90, 80),
                (60, 100, 70),
                (210, 210, 205),
            )
        )
        d.rectangle([px - head * 0.55, base - tall * 0.5, px - head * 0.1, base], fill=(45, 45, 50))
        d.rectangle([px + head * 0.1, base - tall * 0.5, px + head * 0.55, base], fill=(45, 45, 50))
        d.rounded_rectangle(
            [px - head * 0.9, base - tall * 0.86, px + head * 0.9, base - tall * 0.45],
            radius=head * 0.3,
            fill=cloth,
        )
        d.ellipse(
            [px - head / 2, base - tall, px + head / 2, base - tall + head], fill=(224, 186, 150)
        )
        d.chord(
            [px - head / 2, base - tall - head * 0.08, px + head / 2, base - tall + head * 0.6],
            180,
            360,
            fill=(25, 22, 20),
        )
    if rng.random() < 0.5:  # hens in the yard
        k = h / 600
        for _ in range(rng.randint(3, 8)):
            cx, cy = rng.uniform(0.05, 0.95) * w, rng.uniform(0.78, 0.97) * h
            d.ellipse([cx - 18 * k, cy - 12 * k, cx + 18 * k, cy + 12 * k], fill=(240, 236, 226))
            d.ellipse([cx + 10 * k, cy - 22 * k, cx + 24 * k, cy - 8 * k], fill=(240, 236, 226))
            d.polygon(
                [
                    (cx + 16 * k, cy - 26 * k),
                    (cx + 20 * k, cy - 21 * k),
                    (cx + 13 * k, cy - 21 * k),
                ],
                fill=(200, 30, 30),
            )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.4)))
    img = _add_noise(img, _noise(img.size, rng, rng.randint(5, 9), 1))
    if stamp:
        f = pil_font("bold", int(h * 0.04))
        ImageDraw.Draw(img).text(
            (w * 0.96, h * 0.95), stamp, font=f, fill=(255, 150, 40), anchor="rs"
        )
    return img


# -- saving ------------------------------------------------------------------------------


def exif_bytes(
    taken: dt.datetime,
    *,
    make: str = "HUAWEI",
    model: str = "VOG-AL10",
    gps: tuple[float, float] | None = None,
    software: str | None = None,
) -> bytes:
    """EXIF with DateTimeOriginal (and GPS when given) as a phone writes it."""
    exif = Image.Exif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0132] = stamp  # DateTime
    exif[0x0112] = 1  # Orientation
    if software:
        exif[0x0131] = software
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = stamp  # DateTimeOriginal
    ifd[0x9004] = stamp  # DateTimeDigitized
    if gps is not None:
        lat, lon = gps
        g = exif.get_ifd(0x8825)

        def dms(v: float) -> tuple[float, float, float]:
            v = abs(v)
            deg = int(v)
            minutes = int((v - deg) * 60)
            seconds = round(((v - deg) * 60 - minutes) * 60, 2)
            return (float(deg), float(minutes), seconds)

        g[0x0001] = "N" if lat >= 0 else "S"
        g[0x0002] = dms(lat)
        g[0x0003] = "E" if lon >= 0 else "W"
        g[0x0004] = dms(lon)
    return exif.tobytes()


def save_jpeg(
    img: Image.Image, *, quality: int, dpi: int | None = None, exif: bytes | None = None
) -> bytes:
    buf = io.BytesIO()
    kw: dict[str, object] = {"quality": quality, "optimize": False}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    if exif:
        kw["exif"] = exif
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def save_png(img: Image.Image, *, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi), compress_level=6)
    return buf.getvalue()


def bitonal(img: Image.Image, rng: random.Random) -> Image.Image:
    """A black-and-white scan (the scanner's "text" mode): a fixed threshold."""
    grey = img.convert("L")
    cut = rng.randint(150, 175)
    return grey.point(lambda v: 255 if v > cut else 0).convert("1", dither=Image.Dither.NONE)


def save_tiff(pages: list[Image.Image], *, dpi: int, quality: int = 80) -> bytes:
    """A (multi-page) TIFF as scanners write it: CCITT G4 for black-and-white pages,
    JPEG compression for grey and colour ones; resolution set."""
    buf = io.BytesIO()
    if pages[0].mode == "1":
        pages[0].save(
            buf,
            "TIFF",
            save_all=True,
            append_images=pages[1:],
            compression="group4",
            dpi=(dpi, dpi),
        )
    else:
        pages[0].save(
            buf,
            "TIFF",
            save_all=True,
            append_images=pages[1:],
            compression="jpeg",
            quality=quality,
            dpi=(dpi, dpi),
        )
    return buf.getvalue()


def save_pdf_images(
    pages: list[Image.Image], *, dpi: int, quality: int, when: dt.datetime, title: str = ""
) -> bytes:
    """An image-only PDF, one JPEG per page, with fixed dates (as a scanner's PDF)."""
    buf = io.BytesIO()
    stamp = time.struct_time(
        (when.year, when.month, when.day, when.hour, when.minute, when.second, 0, 1, 0)
    )
    pages[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=float(dpi),
        quality=quality,
        creationDate=stamp,
        modDate=stamp,
        producer="Scanner",
        creator="Scan to PDF",
        title=title,
    )
    return buf.getvalue()
