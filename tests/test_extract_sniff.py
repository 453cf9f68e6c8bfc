"""Formats are decided by content, never by name; everything else gets a clear reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image

from dangan.ingest.exceptions import CorruptFile, EncryptedDocument, UnsupportedFormat
from dangan.ingest.sniff import sniff, sniff_bytes, sniff_file
from tests.pages import encode


def _tiny(fmt: str, **params: object) -> bytes:
    return encode(Image.new("RGB", (8, 8), "white"), fmt, **params)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\r\n\r\n%PDF-1.4\n", "pdf"),  # junk before the header is tolerated by readers
        (_tiny("JPEG"), "jpeg"),
        (_tiny("PNG"), "png"),
        (_tiny("TIFF"), "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
    ],
)
def test_magic_bytes(data: bytes, kind: str) -> None:
    assert sniff(data, "whatever.bin") == kind


def test_png_named_pdf_is_accepted_as_png() -> None:
    assert sniff(_tiny("PNG"), "申请书.pdf") == "png"


def test_exe_named_pdf_is_refused() -> None:
    with pytest.raises(UnsupportedFormat) as info:
        sniff(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "申请书.pdf")
    assert str(info.value) == (
        "申请书.pdf: 文件扩展名为 .pdf，但内容是 Windows 可执行程序 (EXE/DLL)，不是档案文件"
    )


def test_an_ole_file_whose_directory_cannot_be_read_is_damaged() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(CorruptFile) as info:
        sniff(ole, "评议表.doc")
    assert str(info.value).startswith("评议表.doc: Office 文档 (OLE 复合文件) 已损坏或不完整")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf", "heic"),
    ],
)
def test_heic_photos_are_known_by_their_brands(head: bytes, kind: str) -> None:
    assert sniff(head + b"\x00" * 64, "IMG_0001.HEIC") == kind


def test_password_protected_office_file_is_encrypted() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(EncryptedDocument, match="取消密码"):
        sniff(ole, "评议表.docx")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "文件为空"),
        (b"Rar!\x1a\x07\x01\x00", "RAR 压缩包"),
        (b"GIF89a\x01\x00\x01\x00", "GIF 图片"),
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1", "AVIF 图片"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif", "AVIF 图片"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "视频文件"),
        (b"<!DOCTYPE html><html><body>", "HTML"),
        ("户主姓名,身份证号\n张三,4305\n".encode("gbk"), "纯文本文件"),
        (bytes(range(0x80, 0x100)) * 4 + b"\x00", "无法识别的文件格式 (文件头 80 81 82"),
    ],
)
def test_unsupported_formats_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedFormat) as info:
        sniff(data, "upload.pdf")
    assert str(info.value).startswith("upload.pdf: ")
    assert reason in str(info.value)


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("评议表")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_docx_zip_and_office_lookalikes(tmp_path: Path) -> None:
    docx_path = tmp_path / "a.zip"  # a DOCX under a wrong name is still a DOCX
    docx_path.write_bytes(_docx_bytes())
    assert sniff_file(docx_path, "a.zip") == "docx"
    assert sniff_bytes(_docx_bytes(), "a.docx") == "docx"
    assert sniff_bytes(_zip_bytes({"a.pdf": b"%PDF-1.4"}), "a.zip") == "zip"
    assert sniff_bytes(_zip_bytes({"xl/workbook.xml": b"<x/>"}), "花名册.zip") == "xlsx"
    assert sniff_bytes(_zip_bytes({"OFD.xml": b"<x/>"}), "通知.zip") == "ofd"
    with pytest.raises(UnsupportedFormat, match="PowerPoint"):
        sniff_bytes(_zip_bytes({"ppt/presentation.xml": b"<x/>"}), "汇报.pptx")


def test_sniff_finds_docx_from_a_head_only() -> None:
    head = _docx_bytes()[:4096]  # too short to read the central directory
    assert sniff(head, "a.docx") == "docx"


def test_damaged_zip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(_zip_bytes({"a.pdf": b"%PDF-1.4" * 100})[:60])
    with pytest.raises(CorruptFile, match="ZIP 压缩包已损坏"):
        sniff_file(path, "a.zip")
