"""Page images for the browser: page N of an item rendered from its stored original.

PDFs are rendered with pypdfium2, images read with Pillow (a TIFF's frames are its
pages; a photo is turned upright by its EXIF orientation). An original a browser cannot
show (.doc, .wps, a spreadsheet, a HEIC photo) is shown from its rendition
(`archive.renditions`): the PDF or JPEG made from it. The PNG is cached under
DANGAN_HOME/cache/pages/ by the original's hash, page and width: derived, never
part of the archive, and safe to delete.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy.orm import object_session

from dangan.archive.context import Archive
from dangan.archive.errors import Destroyed, InputError, NotFound
from dangan.archive.models import Document, StoredFile
from dangan.archive.renditions import rendition_of
from dangan.ingest.limits import Limits
from dangan.retention.disposal import destruction_notice

WIDTHS = (400, 900, 1400)
RENDERABLE = frozenset({"pdf", "jpeg", "png", "tiff"})


def original_page(doc: Document, page_no: int) -> int:
    """The page of the original file that is the item's `page_no` (1-based)."""
    first = 1
    if doc.source_pages:
        first = int(doc.source_pages.split("-")[0])
    return first + page_no - 1


def shown_file(doc: Document) -> StoredFile | None:
    """The file the item's pages are shown from: its original when a browser can be shown
    it, else its rendition; None when neither can (an OFD, a failed item)."""
    if (doc.file.media_type or "") in RENDERABLE:
        return doc.file
    session = object_session(doc)
    rendition = rendition_of(session, doc.file) if session is not None else None
    if rendition is not None and (rendition.media_type or "") in RENDERABLE:
        return rendition
    return None


def page_count(doc: Document) -> int:
    """Pages shown: the item's pages, or all of a spreadsheet's PDF (its text is one page
    of cells, not the pages LibreOffice laid them out on)."""
    shown = ((doc.extra or {}).get("metadata") or {}).get("rendition_pages")
    return max(shown or doc.pages or 0, 1)


def page_numbers(doc: Document) -> list[int]:
    """The pages of the item that have an image to show; none when it has no images."""
    if doc.status in ("failed", "destroyed") or shown_file(doc) is None:
        return []
    return list(range(1, page_count(doc) + 1))


def _cache_path(arc: Archive, sha256: str, page: int, width: int) -> Path:
    return arc.settings.home / "cache" / "pages" / sha256[:2] / f"{sha256}-p{page}-w{width}.png"


def _render_pdf(path: Path, page: int, width: int) -> Image.Image:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if page > len(pdf):
            raise NotFound(f"原件只有 {len(pdf)} 页")
        pdf_page = pdf[page - 1]
        scale = width / max(pdf_page.get_width(), 1.0)
        image = pdf_page.render(scale=scale).to_pil()
        if image.width != width:  # rounding in the renderer
            image = image.resize((width, round(image.height * width / image.width)))
        return image
    finally:
        pdf.close()


def _render_image(path: Path, page: int, width: int) -> Image.Image:
    limits = Limits.from_env()
    with Image.open(path) as img:
        if img.width * img.height > limits.max_image_pixels:
            raise InputError("图像像素超过上限, 不能显示")
        frames = getattr(img, "n_frames", 1)
        if page > frames:
            raise NotFound(f"原件只有 {frames} 页")
        img.seek(page - 1)
        upright = ImageOps.exif_transpose(img) or img
        upright = upright.convert("RGB") if upright.mode not in ("L", "RGB") else upright.copy()
    if upright.width > width:
        upright = upright.resize((width, round(upright.height * width / upright.width)))
    return upright


def page_png(arc: Archive, doc: Document, page_no: int, width: int = 900) -> Path:
    """Path of a PNG of the item's page `page_no` at `width` pixels, rendered once."""
    if doc.status == "destroyed":
        raise Destroyed(destruction_notice(doc))
    if width not in WIDTHS:
        width = min(WIDTHS, key=lambda w: abs(w - width))
    shown = shown_file(doc)
    if shown is None:
        raise NotFound("此文件没有页面图像(请下载原件查看)")
    kind = shown.media_type or ""
    if page_no < 1 or page_no > page_count(doc):
        raise NotFound(f"文件 {doc.id} 没有第 {page_no} 页")
    page = original_page(doc, page_no)
    cached = _cache_path(arc, shown.sha256, page, width)
    if cached.exists():
        return cached
    source = arc.store.path(shown.sha256)
    if not source.exists():
        raise NotFound("存储中缺少该文件的原件")
    image = (
        _render_pdf(source, page, width) if kind == "pdf" else _render_image(source, page, width)
    )
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{uuid.uuid4().hex}.tmp")
    try:
        image.save(tmp, "PNG", optimize=False)
        os.replace(tmp, cached)
    finally:
        tmp.unlink(missing_ok=True)
    return cached
