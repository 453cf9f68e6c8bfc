"""PDFs: text layer, embedded scans, rendered pages, and every bad PDF with its reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation

from dangan.ingest.exceptions import CorruptFile, EncryptedDocument, LimitExceeded
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from tests.pages import DATA, SIMPLIFIED, cer, render_lines

TEXT_PDF = DATA / "text.pdf"
SECOND = ["帮扶联系卡", "帮扶责任人：李春梅", "帮扶措施：产业扶持、教育资助。"]


def _image_pdf(image: Image.Image) -> PdfReader:
    buf = io.BytesIO()
    image.convert("L").save(buf, "PDF", resolution=300)
    return PdfReader(io.BytesIO(buf.getvalue()))


def _write(writer: PdfWriter, path: Path) -> Path:
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _extract(path: Path, limits: Limits | None = None, calls: list | None = None):
    progress = (lambda done, total: calls.append((done, total))) if calls is not None else None
    return extract(
        path, path.name, "pdf", get_engine("tesseract"), limits or Limits(), progress=progress
    )


def test_text_pdf_uses_the_text_layer() -> None:
    calls: list[tuple[int, int]] = []
    result = _extract(TEXT_PDF, calls=calls)
    assert [p.method for p in result.pages] == ["text", "text"]
    assert result.pages[0].text.splitlines()[0] == "桑村镇东坪村贫困户评议表"
    assert "身份证号：430521197805123456" in result.pages[0].text
    assert result.pages[1].page_no == 2 and result.pages[1].confidence is None
    assert calls == [(1, 2), (2, 2)]
    assert result.metadata["page_count"] == 2
    assert result.metadata["created"].startswith("2017-04-28")


def test_mixed_pdf_text_embedded_scan_and_rendered_page(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_page(PdfReader(TEXT_PDF).pages[0])
    # page 2: one scan image, stored on its side, shown upright by /Rotate 90
    scan = _image_pdf(render_lines(SIMPLIFIED).rotate(90, expand=True)).pages[0]
    writer.add_page(scan)
    writer.pages[1].rotate(90)
    # page 3: a scan plus a stamp image: two images, so the page is rendered
    page = writer.add_page(_image_pdf(render_lines(SECOND)).pages[0])
    stamp = _image_pdf(Image.new("L", (60, 60), 128)).pages[0]
    page.merge_transformed_page(stamp, Transformation().translate(5, 5))
    result = _extract(_write(writer, tmp_path / "mixed.pdf"))
    assert [p.method for p in result.pages] == ["text", "ocr", "ocr"]
    assert result.metadata["ocr_pages"] == [2, 3]
    assert result.metadata["embedded_image_pages"] == [2]
    assert "rotated_pages" not in result.metadata  # /Rotate honoured, no guessing needed
    assert cer("\n".join(SIMPLIFIED), result.pages[1].text) < 0.06
    assert cer("\n".join(SECOND), result.pages[2].text) < 0.08
    assert result.pages[1].engine == "tesseract:chi_sim"
    assert result.pages[1].confidence is not None and result.pages[1].confidence > 0.75


def test_embedded_image_over_the_pixel_limit(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_page(_image_pdf(Image.new("L", (400, 400), 255)).pages[0])
    path = _write(writer, tmp_path / "scan.pdf")
    with pytest.raises(LimitExceeded, match=r"第 1 页中的图片 400×400 像素，超过上限"):
        _extract(path, Limits(max_image_pixels=100_000))


def test_too_many_pages() -> None:
    with pytest.raises(LimitExceeded) as info:
        _extract(TEXT_PDF, Limits(max_pdf_pages=1))
    assert str(info.value) == "text.pdf: PDF 共 2 页，超过上限 1 页"


def test_file_over_the_size_limit() -> None:
    with pytest.raises(LimitExceeded, match=r"文件大小 .* 超过上限"):
        _extract(TEXT_PDF, Limits(max_file_bytes=1000))


def test_truncated_pdf(tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    data = TEXT_PDF.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile, match=r"cut\.pdf: PDF 文件不完整"):
        _extract(path)


def test_garbage_after_a_pdf_header(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    with pytest.raises(CorruptFile, match=r"bad\.pdf: PDF 文件已损坏"):
        _extract(path)


@pytest.mark.parametrize(("user", "reason"), [("secret", "需要密码才能打开"), ("", "设有权限密码")])
def test_encrypted_pdf_is_refused(tmp_path: Path, user: str, reason: str) -> None:
    writer = PdfWriter(clone_from=TEXT_PDF)
    writer.encrypt(user_password=user, owner_password="owner", algorithm="RC4-128")
    path = _write(writer, tmp_path / "enc.pdf")
    with pytest.raises(EncryptedDocument) as info:
        _extract(path)
    assert str(info.value).startswith("enc.pdf: PDF ")
    assert reason in str(info.value)
