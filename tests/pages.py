"""Clean rendered pages of Chinese text, for tests that need real OCR input."""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_INDEX = 2  # the Simplified Chinese face in the collection


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=SC_INDEX)


def page(lines: list[str], dpi: int = 200) -> Image.Image:
    """An A4 page at `dpi` with one line of 14 pt text per entry."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    size = int(14 / 72 * dpi)
    y = int(0.8 * dpi)
    for line in lines:
        draw.text((int(0.8 * dpi), y), line, font=_font(size), fill=0)
        y += int(size * 1.8)
    return img


def image_pdf(pages: list[list[str]], dpi: int = 200) -> bytes:
    """An image-only PDF (what a scanner produces), one page per list of lines."""
    images = [page(lines, dpi) for lines in pages]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buf.getvalue()
