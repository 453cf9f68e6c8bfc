"""Decide a file's format by its content (magic bytes), never by its name.

Accepted: "pdf", "jpeg", "png", "tiff", "docx", "zip", and the formats a village office
also has: "doc" (Word 97, and WPS text, which WPS Office writes in the same binary format),
"xls" (Excel 97, and WPS spreadsheets .et, likewise), "xlsx", "ofd" (GB/T 33190) and
"heic" (phone photos). An OLE compound file is told apart by the streams it holds, not by
its name. Everything else raises `UnsupportedFormat` with a reason that tells the user
what to do. The name is only used to word the message ("扩展名为 .pdf，但内容是 ...").
"""

from __future__ import annotations

import re
import struct
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from dangan.ingest.exceptions import CorruptFile, EncryptedDocument, UnsupportedFormat

KINDS = ("pdf", "jpeg", "png", "tiff", "docx", "zip", "doc", "xls", "xlsx", "ofd", "heic")
HEAD_BYTES = 65536
"""How much of a file `sniff_file` reads; `sniff` needs only the first 1 KB except for ZIPs."""

_SUPPORTED = "仅支持 PDF、OFD、JPEG、PNG、TIFF、HEIC、DOC、DOCX、WPS、XLS、XLSX、ET 及其 ZIP 压缩包"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LOCAL_HEADER = re.compile(rb"PK\x03\x04")

# (magic at offset 0, description) of formats we refuse, checked in order
_REFUSED: list[tuple[bytes, str]] = [
    (b"MZ", "Windows 可执行程序 (EXE/DLL)，不是档案文件"),
    (b"\x7fELF", "Linux 可执行程序，不是档案文件"),
    (b"#!", "脚本程序，不是档案文件"),
    (b"Rar!\x1a\x07", "RAR 压缩包，不受支持：请解压后重新打包为 ZIP"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包，不受支持：请解压后重新打包为 ZIP"),
    (b"\x1f\x8b", "gzip 压缩文件，不受支持：请解压后重新打包为 ZIP"),
    (b"BZh", "bzip2 压缩文件，不受支持：请解压后重新打包为 ZIP"),
    (b"\xfd7zXZ\x00", "xz 压缩文件，不受支持：请解压后重新打包为 ZIP"),
    (b"GIF87a", "GIF 图片，不受支持：请转换为 JPEG、PNG 或 TIFF"),
    (b"GIF89a", "GIF 图片，不受支持：请转换为 JPEG、PNG 或 TIFF"),
    (b"BM", "BMP 图片，不受支持：请转换为 JPEG、PNG 或 TIFF"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 图片，不受支持：请转换为 JPEG、PNG 或 TIFF"),
    (b"\xffO\xffQ", "JPEG 2000 图片，不受支持：请转换为 JPEG、PNG 或 TIFF"),
    (b"{\\rtf", "RTF 文档，不受支持：请用 Word 或 WPS 另存为 .docx"),
    (b"AT&TFORM", "DjVu 文档，不受支持：请转换为 PDF"),
]


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _refuse(name: str, what: str) -> UnsupportedFormat:
    ext = _suffix(name)
    prefix = f"文件扩展名为 {ext}，但内容是" if ext else "文件内容是"
    return UnsupportedFormat(name, f"{prefix} {what}")


def _ole_kind(source: Path | bytes, name: str, head: bytes) -> str:
    """A Word or Excel 97 file (or WPS's, in the same format) by the streams it holds."""
    import olefile

    # An encrypted .docx/.xlsx is an OLE container holding an "EncryptionInfo" stream.
    if "EncryptionInfo".encode("utf-16-le") in head:
        raise EncryptedDocument(
            name, "Office 文件已加密 (设有打开密码)：请在 Word/WPS 中取消密码后另存再上传"
        )
    try:
        with olefile.OleFileIO(source) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except (OSError, ValueError, IndexError, struct.error) as err:
        raise CorruptFile(
            name, f"Office 文档 (OLE 复合文件) 已损坏或不完整，无法读取其目录 ({err})"
        ) from err
    if "EncryptionInfo" in streams:
        raise EncryptedDocument(
            name, "Office 文件已加密 (设有打开密码)：请在 Word/WPS 中取消密码后另存再上传"
        )
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "PowerPoint Document" in streams:
        raise _refuse(name, "PowerPoint 演示文稿 (.ppt)，不受支持：请导出为 PDF")
    raise _refuse(name, f"无法识别的 Office 复合文档 (不是 Word 或 Excel 文件)：{_SUPPORTED}")


_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}


def _is_heic(head: bytes) -> bool:
    """An ISO media file whose brands say HEIF with HEVC images (not AVIF, not video)."""
    if head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    brands = {head[i : i + 4] for i in range(8, min(size, len(head), 64), 4)}
    return bool(brands & _HEIC_BRANDS) and (head[8:12] in _HEIC_BRANDS or b"mif1" in brands)


def _zip_kind(name: str, members: list[str]) -> str:
    """Refine a ZIP by its member names: a DOCX, another office format, or a plain ZIP."""
    names = set(members)
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    if "ppt/presentation.xml" in names:
        return _raise(_refuse(name, "PowerPoint 演示文稿 (.pptx)，不受支持：请导出为 PDF"))
    if "mimetype" in names and "content.xml" in names:
        return _raise(_refuse(name, "OpenDocument 文档，不受支持：请另存为 .docx 或 PDF"))
    return "zip"


def _raise(err: Exception) -> str:
    raise err


def _names_in_head(head: bytes) -> list[str]:
    """Member names from the local file headers found in the first bytes of a ZIP."""
    names = []
    for m in _LOCAL_HEADER.finditer(head):
        start = m.start()
        if start + 30 > len(head):
            break
        (name_len,) = struct.unpack_from("<H", head, start + 26)
        raw = head[start + 30 : start + 30 + name_len]
        names.append(raw.decode("utf-8", errors="replace"))
    return names


def sniff(head: bytes, name: str) -> str:
    """The format of a file from its first bytes: one of KINDS, else UnsupportedFormat.

    For a ZIP the answer is "docx" when the bytes given hold `word/document.xml` (the whole
    content, or a head in which its local header appears); use `sniff_file` for a file on
    disk, which reads the ZIP's central directory.
    """
    if not head:
        raise UnsupportedFormat(name, "文件为空 (0 字节)")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(BytesIO(head)) as zf:
                members = zf.namelist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            members = _names_in_head(head)
        return _zip_kind(name, members)
    if head.startswith(_OLE):
        return _ole_kind(head, name, head)
    if _is_heic(head):
        return "heic"
    if head[4:12] in (b"ftypavif", b"ftypavis", b"ftypmif1"):
        raise _refuse(
            name, "AVIF 图片，不受支持：请在手机相机设置中选择“兼容性最佳”，或转换为 JPEG"
        )
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        raise _refuse(name, "WebP 图片，不受支持：请转换为 JPEG、PNG 或 TIFF")
    if head[4:8] == b"ftyp" or head.startswith(b"\x1aE\xdf\xa3"):
        raise _refuse(name, "视频文件，不受支持")
    for magic, what in _REFUSED:
        if head.startswith(magic):
            raise _refuse(name, what)
    if len(head) > 257 + 5 and head[257:262] == b"ustar":
        raise _refuse(name, "tar 归档文件，不受支持：请解压后重新打包为 ZIP")
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        raise _refuse(name, "网页文件 (HTML)，不受支持：请在浏览器中打印为 PDF")
    if text.startswith(b"<?xml"):
        raise _refuse(name, f"XML 文件，不受支持：{_SUPPORTED}")
    if _looks_like_text(head):
        raise _refuse(name, f"纯文本文件，不受支持：{_SUPPORTED}")
    magic = head[:8].hex(" ")
    raise UnsupportedFormat(name, f"无法识别的文件格式 (文件头 {magic})：{_SUPPORTED}")


def _looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as err:
            if err.start >= len(sample) - 4:  # cut in the middle of a character
                return True
    return False


def sniff_file(path: Path, name: str) -> str:
    """The format of the file at `path` (named `name` by the user): one of KINDS.

    Reads at most 64 KB, plus a ZIP's central directory. Raises UnsupportedFormat,
    EncryptedDocument (password-protected Office file) or CorruptFile (damaged ZIP).
    """
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(_OLE):
        return _ole_kind(path, name, head)  # its directory may lie beyond the head
    if head[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        return sniff(head, name)
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise CorruptFile(name, f"ZIP 压缩包已损坏或不完整，无法读取目录 ({err})") from err
    return _zip_kind(name, members)


def sniff_bytes(data: bytes, name: str) -> str:
    """The format of a whole file held in memory (e.g. a ZIP member): one of KINDS."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                members = zf.namelist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
            raise CorruptFile(name, f"ZIP 压缩包已损坏或不完整，无法读取目录 ({err})") from err
        return _zip_kind(name, members)
    if data.startswith(_OLE):
        return _ole_kind(data, name, data[:HEAD_BYTES])
    return sniff(data[:HEAD_BYTES], name)
