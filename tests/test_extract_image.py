"""Images: scans (PNG, multi-page TIFF) are OCR'd; photos keep EXIF and are OCR'd only
when they hold text; bombs and broken files are refused with a reason."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from dangan.ingest.exceptions import CorruptFile, LimitExceeded
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from tests.pages import SIMPLIFIED, cer, encode, render_lines
from tests.test_extract_exif import camera_exif

SECOND = ["帮扶联系卡", "帮扶责任人：李春梅", "帮扶措施：产业扶持、教育资助。"]


def _extract(path: Path, kind: str, limits: Limits | None = None, calls: list | None = None):
    progress = (lambda done, total: calls.append((done, total))) if calls is not None else None
    return extract(
        path, path.name, kind, get_engine("tesseract"), limits or Limits(), progress=progress
    )


def _photo_of(page: Image.Image | None, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A phone-photo-like picture: the page on a desk, uneven light, blur, noise."""
    rng = np.random.default_rng(7)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    desk = 70 + 40 * xx / width
    canvas = Image.fromarray(desk.astype(np.uint8))
    if page is not None:
        paper = page.convert("L").point(lambda v: 40 + v * 0.8)
        canvas.paste(paper, ((width - page.width) // 2, (height - page.height) // 2))
    else:  # a scene: a house and a yard
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((300, 400, 1100, 1000), fill=150)
        draw.polygon([(250, 400), (700, 120), (1150, 400)], fill=90)
        draw.ellipse((1200, 600, 1500, 1000), fill=60)
    light = 0.8 + 0.2 * (1 - yy / height)
    array = np.asarray(canvas, dtype=np.float64) * light + rng.normal(0, 5, (height, width))
    blurred = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.8)
    )
    return blurred.convert("RGB")


def test_png_scan(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(encode(render_lines(SIMPLIFIED), "PNG", dpi=(300, 300)))
    result = _extract(path, "png")
    [page] = result.pages
    assert (page.page_no, page.method, page.engine) == (1, "ocr", "tesseract:chi_sim")
    assert cer("\n".join(SIMPLIFIED), page.text) < 0.06
    assert result.metadata["image_kind"] == "scan"


def test_multipage_tiff(tmp_path: Path) -> None:
    first, second = render_lines(SIMPLIFIED), render_lines(SECOND)
    path = tmp_path / "feeder.tif"
    first.save(path, "TIFF", save_all=True, append_images=[second], dpi=(300, 300))
    calls: list[tuple[int, int]] = []
    result = _extract(path, "tiff", calls=calls)
    assert [p.page_no for p in result.pages] == [1, 2]
    assert cer("\n".join(SIMPLIFIED), result.pages[0].text) < 0.06
    assert cer("\n".join(SECOND), result.pages[1].text) < 0.08
    assert calls == [(1, 2), (2, 2)]
    assert result.metadata["page_count"] == 2
    with pytest.raises(LimitExceeded, match="TIFF 共 2 页，超过上限 1 页"):
        _extract(path, "tiff", Limits(max_pdf_pages=1))


def test_photo_of_a_notice_keeps_exif_and_is_read(tmp_path: Path) -> None:
    upright = _photo_of(render_lines(SIMPLIFIED, pt=10))
    path = tmp_path / "notice.jpg"
    # stored on its side, as phones do, with orientation 6 ("turn 90° clockwise to view")
    path.write_bytes(
        encode(upright.rotate(90, expand=True), "JPEG", quality=85, exif=camera_exif())
    )
    result = _extract(path, "jpeg")
    meta = result.metadata
    assert meta["image_kind"] == "photo"
    assert meta["date_taken"] == "2019-05-01T10:20:30+08:00"
    assert meta["gps"] == {"lat": 28.2083333, "lon": 112.9791667}
    assert meta["orientation"] == 6 and meta["make"] == "HUAWEI"
    assert "ocr_skipped" not in meta
    assert cer("\n".join(SIMPLIFIED), result.pages[0].text) < 0.1


def test_photo_without_text_is_not_ocrd(tmp_path: Path) -> None:
    path = tmp_path / "visit.jpg"
    path.write_bytes(encode(_photo_of(None), "JPEG", quality=85, exif=camera_exif()))
    result = _extract(path, "jpeg")
    assert result.metadata["ocr_skipped"] == "照片无文字"
    assert result.pages == [result.pages[0]]
    assert (result.pages[0].text, result.pages[0].engine) == ("", None)
    assert result.metadata["gps"]["lat"] == 28.2083333


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be width x height: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(100_000, 100_000))
    assert path.stat().st_size < 200
    with pytest.raises(LimitExceeded) as info:
        _extract(path, "png")
    assert str(info.value).startswith("bomb.png: ")
    assert "像素" in str(info.value) and "上限" in str(info.value)


def test_image_over_the_pixel_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(encode(Image.new("L", (400, 300), 255), "PNG"))
    with pytest.raises(LimitExceeded, match=r"图片尺寸 400×300 共 120,000 像素，超过上限 100,000"):
        _extract(path, "png", Limits(max_image_pixels=100_000))


def test_truncated_jpeg(tmp_path: Path) -> None:
    data = encode(render_lines(SECOND), "JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile, match="图片文件不完整"):
        _extract(path, "jpeg")


def test_garbage_after_a_png_signature(tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10)
    with pytest.raises(CorruptFile, match=r"bad\.png: "):
        _extract(path, "png")
