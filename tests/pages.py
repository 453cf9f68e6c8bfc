"""Test inputs made on the fly: pages of Chinese text rendered with Noto CJK, and the
character error rate to judge OCR by."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC, TC = 2, 3  # face indexes of Noto Sans CJK SC and TC in the collection
DPI = 300
DATA = Path(__file__).parent / "data" / "ingest"

SIMPLIFIED = [
    "建档立卡贫困户申请书",
    "本人张秀英，家住桑村镇东坪村三组，家庭人口四人。",
    "因病致贫，申请纳入建档立卡贫困户，请予审核。",
]
TRADITIONAL = [
    "關於做好貧困戶動態管理工作的通知",
    "為認真貫徹落實縣委關於精準扶貧的決策部署，",
    "進一步規範建檔立卡貧困戶動態調整工作。",
    "請各村黨支部嚴格審核，確保識別精準。",
]


def render_lines(
    lines: list[str], face: int = SC, pt: float = 12, margin: int = 120
) -> Image.Image:
    """White page just large enough for `lines`, black text, 300 dpi recorded."""
    px = round(pt * DPI / 72)
    font = ImageFont.truetype(FONT, px, index=face)
    step = round(px * 1.8)
    width = max(round(font.getlength(line)) for line in lines) + 2 * margin
    height = step * len(lines) + 2 * margin
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font, fill=0)
    image.info["dpi"] = (DPI, DPI)
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over reference length, ignoring white space
    and full/half-width differences."""
    ref, hyp = norm(reference), norm(hypothesis)
    return Levenshtein.distance(ref, hyp) / max(len(ref), 1)


def page(lines: list[str], dpi: int = 200) -> Image.Image:
    """An A4 page at `dpi` with one line of 14 pt text per entry."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    size = int(14 / 72 * dpi)
    font = ImageFont.truetype(FONT, size, index=SC)
    y = int(0.8 * dpi)
    for line in lines:
        draw.text((int(0.8 * dpi), y), line, font=font, fill=0)
        y += int(size * 1.8)
    return img


def image_pdf(pages: list[list[str]], dpi: int = 200) -> bytes:
    """An image-only PDF (what a scanner produces), one page per list of lines."""
    images = [page(lines, dpi) for lines in pages]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buf.getvalue()
