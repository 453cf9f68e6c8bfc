"""From a file to text per page: PDF text layer or OCR, DOCX paragraphs and tables, images,
and the formats a village office also has (old Word and WPS files, spreadsheets, OFD, HEIC).

`extract(path, name, kind, engine, limits)` takes a file whose format was decided by
`ingest.sniff` and returns one `PageText` per page. Pages of a PDF without usable text
are OCR'd from their embedded scan image when the page holds exactly one image the size
of the page (decoded losslessly by pypdf, no re-rendering), else from a 300 dpi
rendering (pypdfium2). Every failure is an `IngestError` naming the file and the reason.

A format that is not kept for the long term (DOMAIN.md's whitelist: PDF, OFD, JPEG, TIFF,
PNG, DOCX) or that a browser cannot show comes with a rendition, a copy in a whitelisted
format made from the original, which is kept as it came: .doc/.wps and spreadsheets as a
PDF made by LibreOffice (`ingest.office`), a HEIC photo as a JPEG with its EXIF.

Encrypted PDFs are refused even when they open without a password (an "owner password"
restricting copying or printing): an archived file must stay readable and convertible
for its whole retention period without a password, PDF/A forbids encryption, and
decrypting AES needs an extra library. The message tells the user how to remove it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from dangan.ingest.exceptions import (
    ConversionFailed,
    CorruptFile,
    EncryptedDocument,
    LimitExceeded,
    OcrFailed,
    UnsupportedFormat,
)
from dangan.ingest.exif import read_photo_metadata
from dangan.ingest.limits import Limits
from dangan.ingest.ocr.base import OcrEngine, OcrEngineError, OcrResult
from dangan.ingest.ocr.reread import lines_read_again, reread
from dangan.ingest.ocr.script import looks_traditional, suspect_traditional
from dangan.ingest.ocr.tesseract import detect_orientation
from dangan.ingest.ocr.words import is_cjk
from dangan.ingest.pages.preprocess import ImageKind, classify_image_kind, orient, prepare_for_ocr
from dangan.ingest.signatures import SignatureField, find_fields, red_mask

log = logging.getLogger("dangan.extract")

Method = Literal["text", "ocr", "docx", "sheet", "ofd"]
Progress = Callable[[int, int], None]

MIN_TEXT_CHARS = 10
"""A PDF page whose text layer has fewer meaningful characters (CJK, letters, digits) is OCR'd."""
RENDER_DPI = 300
RENDER_MAX_PIXELS = 60_000_000
"""A page rendered at 300 dpi above this (larger than A2) is rendered at a lower resolution."""
MIN_EMBEDDED_DPI = 100
"""An embedded page image must be at least this resolution to be OCR'd instead of rendering."""
OCR_MAX_PIXELS = 40_000_000
"""Larger images (a 600 dpi A3 scan) are scaled down before OCR; 300 dpi is what OCR needs."""
PHOTO_MAX_SIDE = 3000
"""Phone photos are read at most this many pixels on the long side."""
POOR_CONFIDENCE = 0.6
"""A first reading below this mean confidence triggers the orientation check."""
TRADITIONAL_MARGIN = 0.02
PHOTO_TEXT_MIN_WORDS = 6
PHOTO_TEXT_MIN_CONFIDENCE = 0.75
"""A photo "holds text" when its reading finds this many CJK words this confident."""


@dataclass(frozen=True)
class PageText:
    page_no: int
    """1-based."""
    text: str
    confidence: float | None
    """OCR mean word confidence 0.0-1.0; None for text layers and DOCX (exact text)."""
    method: Method
    engine: str | None
    """e.g. "tesseract:chi_sim"; None when the text was not OCR'd."""
    signatures: tuple[SignatureField, ...] = ()
    """The signature fields on an OCR'd page (`ingest.signatures`); none for text."""
    reread: tuple[dict[str, Any], ...] = ()
    """The lines a second engine read again (`ingest.ocr.reread.lines_read_again`)."""


@dataclass(frozen=True)
class Rendition:
    """A copy of the original in a whitelisted format, to keep beside it and to show."""

    kind: str
    """"pdf" or "jpeg"."""
    data: bytes


@dataclass
class Extraction:
    pages: list[PageText]
    metadata: dict[str, Any] = field(default_factory=dict)
    rendition: Rendition | None = None

    @property
    def text(self) -> str:
        """All pages, separated by form feeds."""
        return "\f".join(p.text for p in self.pages)


def extract(
    path: Path,
    name: str,
    kind: str,
    engine: OcrEngine,
    limits: Limits,
    progress: Progress | None = None,
) -> Extraction:
    """The text of the file at `path` (called `name` by the user) of format `kind`.

    `kind` is what `ingest.sniff` returned (a ZIP is unpacked with
    `ingest.zipfiles.iter_members` first). `progress(done, total)` is
    called after each page. Raises UnsupportedFormat, LimitExceeded, EncryptedDocument,
    CorruptFile, ConversionFailed or OcrFailed.
    """
    limits.check_path_size(path, name)
    if kind == "pdf":
        return _extract_pdf(path, name, engine, limits, progress)
    if kind in ("jpeg", "png", "tiff"):
        return _extract_image(path, name, kind, engine, limits, progress)
    if kind == "docx":
        return _extract_docx(path, name, limits, progress)
    if kind == "doc":
        return _extract_word97(path, name, engine, limits, progress)
    if kind in ("xlsx", "xls"):
        return _extract_workbook(path, name, kind, limits, progress)
    if kind == "ofd":
        return _extract_ofd(path, name, limits, progress)
    if kind == "heic":
        return _extract_heic(path, name, engine, limits, progress)
    if kind == "zip":
        raise UnsupportedFormat(name, "ZIP 压缩包须先解压，逐个文件处理")
    raise UnsupportedFormat(name, f"不支持的文件类型 “{kind}”")


# --------------------------------------------------------------------------- OCR


@dataclass
class _ScriptState:
    """What the pages read so far say about the document's script."""

    traditional: bool = False


def _confidence(result: OcrResult) -> float:
    return result.confidence if result.confidence is not None else 0.0


def _limit_pixels(image: Image.Image, max_pixels: int) -> Image.Image:
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / pixels)
    small = image.resize(
        (max(1, int(image.width * scale)), max(1, int(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    dpi = image.info.get("dpi")
    if dpi:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            small.info["dpi"] = (float(dpi[0]) * scale, float(dpi[1]) * scale)
    return small


def _limit_side(image: Image.Image, side: int) -> Image.Image:
    long_side = max(image.size)
    if long_side <= side:
        return image
    return _limit_pixels(image, int(image.width * image.height * (side / long_side) ** 2))


def ocr_image(
    image: Image.Image,
    kind: ImageKind,
    engine: OcrEngine,
    state: _ScriptState | None = None,
) -> OcrResult:
    """Read one page image: prepare it for its kind, read it with the Simplified model,
    turn it upright if that reading is poor and tesseract's orientation detection is
    sure, and read it again with the Traditional model when the first reading suggests
    Traditional text (see `ingest.ocr.script`); the better reading is kept. The lines
    of that reading the engine doubted are then read again by its `line_reader`
    (`ingest.ocr.reread`). A photo whose first reading finds no text (`holds_text`) is
    read no further."""
    return _read(image, kind, engine, state or _ScriptState())[0]


def _read(
    image: Image.Image, kind: ImageKind, engine: OcrEngine, state: _ScriptState
) -> tuple[OcrResult, Image.Image]:
    """`ocr_image`'s reading, with the prepared image it was read from."""
    separate = getattr(engine, "separate_traditional", True)
    traditional = state.traditional and separate
    image = _limit_pixels(image, OCR_MAX_PIXELS)
    if kind == "photo":
        image = _limit_side(ImageOps.exif_transpose(image) or image, PHOTO_MAX_SIDE)
    upscale = getattr(engine, "photo_max_upscale", None)
    prepared = prepare_for_ocr(image, kind, upscale)
    scan = kind == "scan"
    result = engine.recognize(prepared, traditional, scan)
    if kind == "photo" and not holds_text(result):
        return result, prepared
    if _confidence(result) < POOR_CONFIDENCE:
        _, degrees = orient(prepared, detect_orientation)
        if degrees:
            turned = prepare_for_ocr(image.rotate(degrees, expand=True), kind, upscale)
            again = engine.recognize(turned, traditional, scan)
            if _confidence(again) > _confidence(result):
                result, prepared = replace(again, rotated=degrees), turned
    if separate and not traditional and suspect_traditional(result):
        again = engine.recognize(prepared, True, scan)
        if looks_traditional(again.text) and _confidence(again) > (
            _confidence(result) + TRADITIONAL_MARGIN
        ):
            state.traditional = True
            result = replace(again, rotated=result.rotated)
    if engine.line_reader is not None:
        result = reread(result, prepared, engine.line_reader, engine.vocabulary, state.traditional)
    return result, prepared


def holds_text(result: OcrResult) -> bool:
    """Whether a photo's reading found text (a notice, a form) rather than the shapes of
    a yard or a face that OCR turns into a few unsure characters."""
    confident = sum(1 for _, c in result.cjk_words if c >= PHOTO_TEXT_MIN_CONFIDENCE)
    return confident >= PHOTO_TEXT_MIN_WORDS


def _ocr_page(
    image: Image.Image,
    kind: ImageKind,
    engine: OcrEngine,
    state: _ScriptState,
    name: str,
    page_no: int,
) -> tuple[OcrResult, tuple[SignatureField, ...]]:
    """The page read, and its signature fields. Red ink is looked for on a scan in
    colour that was read as it lies (a photo is warped flat, and a turned page turned,
    before it is read: the two would not line up)."""
    try:
        result, prepared = _read(image, kind, engine, state)
    except OcrEngineError as err:
        raise OcrFailed(name, f"第 {page_no} 页文字识别失败: {err}") from err
    red = red_mask(image, prepared.size) if kind == "scan" and not result.rotated else None
    return result, tuple(find_fields(result.lines, prepared, red))


def _ocr_text(number: int, result: OcrResult, fields: tuple[SignatureField, ...]) -> PageText:
    return PageText(
        number,
        result.text,
        result.confidence,
        "ocr",
        result.engine,
        fields,
        lines_read_again(result),
    )


# --------------------------------------------------------------------------- images


@contextlib.contextmanager
def _pixel_guard(name: str, limits: Limits) -> Iterator[None]:
    """Pillow's decompression-bomb check at our limit. Pillow refuses outright at twice
    the limit (before decoding anything); between one and two times it only warns, and
    `_check_pixels` refuses with the exact size."""
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except Image.DecompressionBombError as err:
        found = re.search(r"\((\d+) pixels\)", str(err))
        size = f" {int(found.group(1)):,} 像素" if found else ""
        raise LimitExceeded(
            name,
            f"图片尺寸{size}超过上限 {limits.max_image_pixels:,} 像素，疑似“解压炸弹”，已拒绝",
        ) from err
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _check_pixels(image: Image.Image, name: str, limits: Limits, page: int | None = None) -> None:
    width, height = image.size
    if width * height > limits.max_image_pixels:
        where = f"第 {page} 页" if page else "图片"
        raise LimitExceeded(
            name,
            f"{where}尺寸 {width}×{height} 共 {width * height:,} 像素，超过上限 "
            f"{limits.max_image_pixels:,} 像素",
        )
    if width == 0 or height == 0:
        raise CorruptFile(name, "图片尺寸为 0")


def _corrupt_image(name: str, err: Exception) -> CorruptFile:
    reason = str(err)
    if "truncated" in reason or "end of file" in reason.lower():  # Pillow's; pillow-heif's
        return CorruptFile(name, "图片文件不完整 (数据被截断，可能上传或复制时中断)")
    return CorruptFile(name, f"图片文件已损坏，无法解码 ({reason})")


def _extract_image(
    path: Path,
    name: str,
    kind: str,
    engine: OcrEngine,
    limits: Limits,
    progress: Progress | None,
) -> Extraction:
    metadata: dict[str, Any] = {"format": kind}
    pages: list[PageText] = []
    state = _ScriptState()
    with _pixel_guard(name, limits):
        try:
            image = Image.open(path)
        except UnidentifiedImageError as err:
            raise CorruptFile(name, f"无法识别的{kind.upper()}图片，文件可能已损坏") from err
        except (OSError, ValueError, SyntaxError) as err:
            raise _corrupt_image(name, err) from err
        with image:
            _check_pixels(image, name, limits)
            frames = getattr(image, "n_frames", 1) if kind == "tiff" else 1
            if frames > limits.max_pdf_pages:
                raise LimitExceeded(
                    name, f"TIFF 共 {frames} 页，超过上限 {limits.max_pdf_pages} 页"
                )
            exif = read_photo_metadata(image)
            image_kind = classify_image_kind(image, exif)
            metadata.update(exif)
            metadata["image_kind"] = image_kind
            metadata["width"], metadata["height"] = image.size
            if frames > 1:
                metadata["page_count"] = frames
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number > frames:
                    break
                _check_pixels(frame, name, limits, page=number if frames > 1 else None)
                try:
                    # the frames of a TIFF share one object as it is iterated
                    page_image = frame.copy() if frames > 1 else frame
                    page_image.load()
                except (OSError, ValueError, SyntaxError) as err:
                    raise _corrupt_image(name, err) from err
                if "dpi" in image.info and "dpi" not in page_image.info:
                    page_image.info["dpi"] = image.info["dpi"]
                pages.append(
                    _image_page(page_image, image_kind, engine, state, name, number, metadata)
                )
                if progress:
                    progress(number, frames)
    if state.traditional:
        metadata["traditional"] = True
    return Extraction(pages, metadata)


def _image_page(
    image: Image.Image,
    image_kind: ImageKind,
    engine: OcrEngine,
    state: _ScriptState,
    name: str,
    number: int,
    metadata: dict[str, Any],
) -> PageText:
    result, fields = _ocr_page(image, image_kind, engine, state, name, number)
    if image_kind == "photo" and not holds_text(result):
        metadata["ocr_skipped"] = "照片无文字"
        return PageText(number, "", None, "ocr", None)
    if result.rotated:
        metadata.setdefault("rotated_pages", {})[str(number)] = result.rotated
    return _ocr_text(number, result, fields)


# --------------------------------------------------------------------------- PDF


def meaningful_chars(text: str) -> int:
    """CJK ideographs, letters and digits; not private-use or replacement characters
    (what a font without a Unicode map yields)."""
    return sum(1 for ch in text if is_cjk(ch) or _latin_alnum(ch))


def _latin_alnum(ch: str) -> bool:
    return ch.isalnum() and ord(ch) < 0x2E80 and unicodedata.category(ch)[0] in "LN"


def _check_pdf_complete(path: Path, name: str) -> None:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise CorruptFile(
            name, "PDF 文件不完整 (末尾缺少 %%EOF 结束标记，可能上传或复制时中断)，请重新获取原文件"
        )


def _pdf_error(name: str, err: Exception, page: int | None = None) -> CorruptFile:
    where = f"第 {page} 页" if page else "文件"
    return CorruptFile(name, f"PDF {where}已损坏，无法读取 ({type(err).__name__}: {err})")


def _image_xobjects(resources: Any, depth: int = 0) -> Iterator[tuple[int, int]]:
    """(width, height) of every image XObject a page draws, forms included."""
    if resources is None or depth > 5:
        return
    try:
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else None
    except Exception:
        return
    if not xobjects:
        return
    for key in list(xobjects.keys()):
        try:
            obj = xobjects[key].get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                yield int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
            elif subtype == "/Form":
                yield from _image_xobjects(obj.get("/Resources"), depth + 1)
        except Exception:
            continue


def _page_size_inches(page: Any) -> tuple[float, float]:
    box = page.mediabox
    width, height = abs(float(box.width)) / 72, abs(float(box.height)) / 72
    if page.rotation % 180 == 90:
        width, height = height, width
    return width, height


def _embedded_scan(page: Any, name: str, number: int, limits: Limits) -> Image.Image | None:
    """The page's scan image when it holds exactly one image, the size of the page."""
    sizes = list(_image_xobjects(page.get("/Resources")))
    for width, height in sizes:
        if width * height > limits.max_image_pixels:
            raise LimitExceeded(
                name,
                f"PDF 第 {number} 页中的图片 {width}×{height} 像素，超过上限 "
                f"{limits.max_image_pixels:,} 像素",
            )
    if len(sizes) != 1:
        return None
    try:
        if len(page.images) != 1:  # inline images count too
            return None
        width_in, height_in = _page_size_inches(page)
        rotation = page.rotation % 360
        img_w, img_h = sizes[0]
        if rotation % 180 == 90:
            img_w, img_h = img_h, img_w
        if not (width_in > 0 and height_in > 0 and img_w and img_h):
            return None
        if abs((img_w / img_h) / (width_in / height_in) - 1) > 0.1:
            return None  # not a full-page image (a logo, a photo in a text page)
        dpi = img_w / width_in
        if dpi < MIN_EMBEDDED_DPI:
            return None
        with _pixel_guard(name, limits):
            image = page.images[0].image
        if image is None:
            return None
        if rotation:
            image = image.rotate(-rotation, expand=True)  # /Rotate is clockwise
        gray_mean = float(np.asarray(ImageOps.grayscale(image).resize((64, 64))).mean())
        if gray_mean < 90:
            return None  # mostly black: an inverted or masked image; render instead
        image.info["dpi"] = (dpi, dpi)
        return image
    except LimitExceeded:
        raise
    except Exception as err:  # JBIG2, JPX or a broken filter: render the page instead
        log.info("%s: page %d: embedded image not decoded (%s); rendering", name, number, err)
        return None


class _Renderer:
    """pypdfium2, opened once per document and only when a page needs it."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self._pdf: Any = None

    def render(self, index: int) -> Image.Image:
        import pypdfium2 as pdfium

        try:
            if self._pdf is None:
                self._pdf = pdfium.PdfDocument(str(self.path))
            page = self._pdf[index]
            try:
                width, height = page.get_size()
                scale = RENDER_DPI / 72
                if width * height * scale * scale > RENDER_MAX_PIXELS:
                    scale = math.sqrt(RENDER_MAX_PIXELS / (width * height))
                image = page.render(scale=scale, grayscale=True).to_pil()
            finally:
                page.close()
        except pdfium.PdfiumError as err:
            raise _pdf_error(self.name, err, index + 1) from err
        image.info["dpi"] = (72 * scale, 72 * scale)
        return image

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _pdf_metadata(reader: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        info = reader.metadata
        if not info:
            return out
        for key, attr in (("title", "title"), ("author", "author"), ("producer", "producer")):
            value = getattr(info, attr, None)
            if value:
                out[key] = str(value).strip()
        created = info.creation_date
        if created:
            out["created"] = created.isoformat()
    except Exception:  # metadata is a courtesy; a broken Info dictionary is ignored
        pass
    return out


def _extract_pdf(
    path: Path, name: str, engine: OcrEngine, limits: Limits, progress: Progress | None
) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    _check_pdf_complete(path, name)
    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        raise _pdf_error(name, err) from err
    if encrypted:
        try:
            opens_without_password = bool(reader.decrypt(""))
        except Exception:
            opens_without_password = False
        if opens_without_password:
            raise EncryptedDocument(
                name,
                "PDF 设有权限密码 (已加密，禁止复制或打印)，档案文件不得加密：请取消加密 "
                "(如用阅读器“打印为 PDF”) 后再上传",
            )
        raise EncryptedDocument(name, "PDF 已加密，需要密码才能打开：请取消密码后再上传")
    try:
        total = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        raise _pdf_error(name, err) from err
    if total > limits.max_pdf_pages:
        raise LimitExceeded(name, f"PDF 共 {total} 页，超过上限 {limits.max_pdf_pages} 页")
    if total == 0:
        raise CorruptFile(name, "PDF 没有任何页面")
    metadata: dict[str, Any] = {"format": "pdf", "page_count": total, **_pdf_metadata(reader)}
    pages: list[PageText] = []
    state = _ScriptState()
    renderer = _Renderer(path, name)
    ocr_pages: list[int] = []
    embedded_pages: list[int] = []
    try:
        for index in range(total):
            number = index + 1
            try:
                page = reader.pages[index]
            except Exception as err:
                raise _pdf_error(name, err, number) from err
            try:
                text = page.extract_text() or ""
            except Exception as err:  # a broken content stream; OCR may still read it
                log.info("%s: page %d: text layer unreadable (%s)", name, number, err)
                text = ""
            text = _tidy(text)
            if meaningful_chars(text) >= MIN_TEXT_CHARS:
                if looks_traditional(text):
                    state.traditional = True
                pages.append(PageText(number, text, None, "text", None))
            else:
                image = _embedded_scan(page, name, number, limits)
                if image is not None:
                    embedded_pages.append(number)
                else:
                    image = renderer.render(index)
                result, fields = _ocr_page(image, "scan", engine, state, name, number)
                ocr_pages.append(number)
                if result.rotated:
                    metadata.setdefault("rotated_pages", {})[str(number)] = result.rotated
                pages.append(_ocr_text(number, result, fields))
            if progress:
                progress(number, total)
    finally:
        renderer.close()
    if ocr_pages:
        metadata["ocr_pages"] = ocr_pages
    if embedded_pages:
        metadata["embedded_image_pages"] = embedded_pages
    if state.traditional:
        metadata["traditional"] = True
    return Extraction(pages, metadata)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    """Line ends unified, trailing spaces and control characters removed (some PDF
    producers' Unicode maps make pypdf emit a NUL before every character)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# --------------------------------------------------------------------------- DOCX


def _extract_docx(path: Path, name: str, limits: Limits, progress: Progress | None) -> Extraction:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    from dangan.ingest.zipfiles import check_zip_container

    check_zip_container(path, name, limits)
    try:
        document = docx.Document(str(path))
        lines = list(_docx_lines(document.element.body))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError, ValueError) as err:
        raise CorruptFile(name, f"DOCX 文件已损坏，无法读取 ({type(err).__name__}: {err})") from err
    text = "\n".join(lines).strip()
    metadata: dict[str, Any] = {"format": "docx", **_docx_metadata(document)}
    if looks_traditional(text):
        metadata["traditional"] = True
    if progress:
        progress(1, 1)
    return Extraction([PageText(1, text, None, "docx", None)], metadata)


def _docx_metadata(document: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        props = document.core_properties
        if props.title:
            out["title"] = props.title.strip()
        if props.author:
            out["author"] = props.author.strip()
        if props.created:
            out["created"] = props.created.isoformat()
        if props.modified:
            out["modified"] = props.modified.isoformat()
    except Exception:  # core properties are optional and often malformed
        pass
    return out


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx_lines(container: Any) -> Iterator[str]:
    """Paragraphs and tables of a body or cell, in document order; a table row is one line
    of its cells joined by tabs (a merged cell once)."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            yield _paragraph_text(child)
        elif tag == f"{_W}tbl":
            yield from _table_lines(child)
        elif tag == f"{_W}sdt":  # content control: its content is ordinary body content
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _docx_lines(content)


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}txbxContent"):
        if _inside(node, p, _MC_FALLBACK):
            continue  # the VML copy of a text box
        if node.tag == f"{_W}txbxContent":
            continue  # its paragraphs are reached through the iteration
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts).strip()


def _inside(node: Any, stop: Any, tag: str) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _cell_text(tc: Any) -> str:
    return " ".join(line for line in _docx_lines(tc) if line.strip()).replace("\t", " ")


def _table_lines(tbl: Any) -> Iterator[str]:
    for tr in tbl.iterchildren(f"{_W}tr"):
        cells: list[str] = []
        for tc in tr.iterchildren(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            merge = props.find(f"{_W}vMerge") if props is not None else None
            if merge is not None and merge.get(f"{_W}val") in (None, "continue"):
                cells.append("")  # continuation of a vertically merged cell
                continue
            cells.append(_cell_text(tc))
        line = "\t".join(cells).rstrip("\t")
        if line.strip():
            yield line


# --------------------------------------------------------------------------- DOC, WPS

# A Word 97 or WPS file's rendition is a PDF, not a .docx: a PDF keeps the pages as
# LibreOffice lays them out, so the browser shows them and they print as they looked;
# its text layer goes through the PDF path above (a scan pasted into the document is
# OCR'd there); and PDF is the whitelisted format kept for the long term, where a
# converted .docx would be a second editable copy whose layout drifts with each reader.


def _extract_word97(
    path: Path, name: str, engine: OcrEngine, limits: Limits, progress: Progress | None
) -> Extraction:
    from dangan.ingest.office import convert

    pdf = convert(path, "doc", "pdf", name)
    with tempfile.TemporaryDirectory(prefix="dangan-doc-") as work:
        copy = Path(work) / "rendition.pdf"
        copy.write_bytes(pdf)
        result = _extract_pdf(copy, name, engine, limits, progress)
    result.metadata = {**result.metadata, "format": "doc", "rendition": "pdf"}
    result.rendition = Rendition("pdf", pdf)
    return result


# --------------------------------------------------------------------------- spreadsheets


def _extract_workbook(
    path: Path, name: str, kind: str, limits: Limits, progress: Progress | None
) -> Extraction:
    """A ledger's cells as text, one item however many sheets it has (its sheets are one
    ledger, never split into items); the rendition is LibreOffice's PDF of it, whose pages
    are not the sheets, so their count is kept apart (`rendition_pages`)."""
    from pypdf import PdfReader

    from dangan.ingest.office import convert
    from dangan.ingest.sheets import workbook_text
    from dangan.ingest.zipfiles import check_zip_container

    with tempfile.TemporaryDirectory(prefix="dangan-sheet-") as work:
        if kind == "xlsx":
            check_zip_container(path, name, limits)
            text, metadata = workbook_text(path, name)
        else:  # .xls and .et: no well-kept reader of Excel 97 writes back to us; convert
            converted = Path(work) / "converted.xlsx"
            converted.write_bytes(convert(path, kind, "xlsx", name))
            text, metadata = workbook_text(converted, name)
    pdf = convert(path, kind, "pdf", name)
    metadata = {**metadata, "format": kind, "rendition": "pdf"}
    try:
        metadata["rendition_pages"] = len(PdfReader(BytesIO(pdf)).pages)
    except Exception as err:  # LibreOffice's own PDF; a failure here is LibreOffice's
        raise ConversionFailed(name, f"LibreOffice 生成的 PDF 无法读取 ({err})") from err
    if looks_traditional(text):
        metadata["traditional"] = True
    if progress:
        progress(1, 1)
    return Extraction([PageText(1, text, None, "sheet", None)], metadata, Rendition("pdf", pdf))


# --------------------------------------------------------------------------- OFD


def _extract_ofd(path: Path, name: str, limits: Limits, progress: Progress | None) -> Extraction:
    """OFD is itself a whitelisted format: no rendition, its text per page from its XML."""
    from dangan.ingest.ofd import read_ofd
    from dangan.ingest.zipfiles import check_zip_container

    check_zip_container(path, name, limits)
    read = read_ofd(path, name, limits.max_pdf_pages)
    metadata: dict[str, Any] = {"format": "ofd", "page_count": len(read.pages), **read.metadata}
    if looks_traditional("\n".join(read.pages)):
        metadata["traditional"] = True
    if progress:
        progress(len(read.pages), len(read.pages))
    pages = [PageText(n, text, None, "ofd", None) for n, text in enumerate(read.pages, start=1)]
    return Extraction(pages, metadata)


# --------------------------------------------------------------------------- HEIC


def _extract_heic(
    path: Path, name: str, engine: OcrEngine, limits: Limits, progress: Progress | None
) -> Extraction:
    """A phone's HEIC photo, decoded (pillow-heif) into a JPEG that keeps its EXIF; the
    JPEG is read as any other phone photo and kept as the rendition browsers can show."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    with _pixel_guard(name, limits):
        try:
            with Image.open(path) as image:
                _check_pixels(image, name, limits)
                exif = image.info.get("exif")
                rgb = image.convert("RGB")
        except UnidentifiedImageError as err:
            raise CorruptFile(name, "无法识别的 HEIC 照片，文件可能已损坏") from err
        except (OSError, ValueError, SyntaxError, RuntimeError) as err:
            raise _corrupt_image(name, err) from err
    buffer = BytesIO()
    rgb.save(buffer, "JPEG", quality=92, **({"exif": exif} if exif else {}))
    jpeg = buffer.getvalue()
    with tempfile.TemporaryDirectory(prefix="dangan-heic-") as work:
        copy = Path(work) / "rendition.jpg"
        copy.write_bytes(jpeg)
        result = _extract_image(copy, name, "jpeg", engine, limits, progress)
    result.metadata = {**result.metadata, "format": "heic", "rendition": "jpeg"}
    result.rendition = Rendition("jpeg", jpeg)
    return result
