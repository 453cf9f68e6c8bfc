"""What every printed output shares (audit reports, catalogs, box labels, transfer
forms): text every format can hold, times in China's zone, files written whole or not
at all, Jinja2 pages and WeasyPrint PDFs with the CJK fonts they name."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from dangan.archive.errors import InputError

CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
"""China Standard Time (UTC+8, no daylight saving): how printed files show a time."""

CJK_FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", sans-serif'
"""The font stack of every printed page (Debian's fonts-noto-cjk, fonts-wqy-zenhei)."""

# Characters that XML 1.0 (and so XLSX and DOCX) cannot hold; OCR text may carry them.
# A form feed separates pages in extracted text: it becomes a line break.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text: Any) -> str:
    """`text` as a string every format can hold."""
    return _CONTROL.sub("", str(text).replace("\x0c", "\n"))


def china_time(moment: str | dt.datetime) -> str:
    """ "2021-06-01T06:30:05+00:00" → "2021-06-01 14:30:05 北京时间"; naive times are UTC."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return clean(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone(CHINA_TIME):%Y-%m-%d %H:%M:%S} 北京时间"


def check_target(path: Path, suffixes: tuple[str, ...], what: str) -> str:
    """The lower-cased suffix of `path`, or an InputError naming the file: a suffix not
    among `suffixes`, a folder that does not exist, a folder in the file's place."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise InputError(
            f"{path}: 不支持的{what}格式“{path.suffix or '无后缀'}”,"
            f"{what}文件的后缀应为 {'、'.join(suffixes)}"
        )
    if not path.parent.is_dir():
        raise InputError(f"{path}: 目录 {path.parent} 不存在")
    if path.is_dir():
        raise InputError(f"{path}: 这是一个目录, 请给出{what}的文件名")
    return suffix


def write_atomically(path: Path, writer: Callable[[BinaryIO], None], what: str) -> Path:
    """Runs `writer` on a file beside `path` and renames it onto `path`, so a crash
    leaves the old file or none, never half of one. Returns the path (absolute)."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    made = False
    try:
        # O_EXCL: never someone else's file; mode 0o666 less the umask, as open() gives
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        made = True
        with os.fdopen(fd, "wb") as out:
            writer(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise InputError(f"{path}: 无法写入{what}: {exc.strerror or exc}") from exc
    finally:
        if made:
            temp.unlink(missing_ok=True)
    return path.absolute()


def fsync_dir(folder: Path) -> None:
    """Makes a rename durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def templates(folder: Path, **filters: Callable[..., Any]) -> Any:
    """A Jinja2 environment over `folder`: every value escaped, an unknown name an error,
    `CJK_FONTS` known to the templates as `fonts`."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    env.globals["fonts"] = Markup(CJK_FONTS)  # raw in <style>, where entities stay as written
    return env


def _weasyprint() -> Any:
    """WeasyPrint, imported without its one side effect on the process: on import it
    sets Pillow's ImageFile.LOAD_TRUNCATED_IMAGES, which would let ingest take a cut-off
    scan for a whole one in a server or worker that once wrote a PDF. The only images
    printed are the signature crops dangan made itself, so the flag is put back as it was."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def write_pdf(html: str, out: BinaryIO) -> None:
    """`html` laid out by WeasyPrint (page size and margins from its @page rules). It
    fetches nothing: a page's only pictures are written into it as data: URIs (an audit
    report's signature crops), and any other URL that found its way in is refused."""
    weasyprint = _weasyprint()
    page = weasyprint.HTML(
        string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=("data",))
    )
    page.write_pdf(out)


def _pdf_bytes(html: str) -> bytes:
    out = io.BytesIO()
    write_pdf(html, out)
    return out.getvalue()


def _numbers_html(first: int, count: int, total: int, page: str) -> str:
    """`count` empty pages of size `page` (a CSS size) numbered from `first` of `total`."""
    return (
        f"<html><head><style>@page {{ size: {page}; margin: 10mm 14mm 8mm 14mm; "
        f'@bottom-right {{ content: "第 " counter(page) " 页 共 {total} 页"; '
        f"font-family: {CJK_FONTS}; font-size: 9pt; }} }} "
        f"@page :first {{ counter-reset: page {first} }} div {{ break-after: page; }}"
        f"</style></head><body>{'<div></div>' * count}</body></html>"
    )


def write_pdf_in_parts(parts: list[str], page: str, out: BinaryIO, processes: int) -> None:
    """Lays out the HTML `parts`, `processes` of them at once (WeasyPrint is pure
    Python and uses one core), and joins them, stamping "第 N 页 共 M 页" at the bottom
    right of every page: a part cannot count the pages of the parts before it, so the
    parts carry no page number of their own. `page` is their CSS page size."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from pypdf import PdfReader, PdfWriter

    # spawn: a forked copy of a server's threads and database connections is unsafe
    with ProcessPoolExecutor(processes, mp_context=mp.get_context("spawn")) as pool:
        laid_out = [PdfReader(io.BytesIO(data)) for data in pool.map(_pdf_bytes, parts)]
        counts = [len(reader.pages) for reader in laid_out]
        total = sum(counts)
        firsts = [1 + sum(counts[:n]) for n in range(len(counts))]
        numbers = pool.map(
            _pdf_bytes,
            [_numbers_html(f, c, total, page) for f, c in zip(firsts, counts, strict=True)],
        )
        stamps = [PdfReader(io.BytesIO(data)) for data in numbers]
    writer = PdfWriter()
    for reader, stamp in zip(laid_out, stamps, strict=True):
        for content, number in zip(reader.pages, stamp.pages, strict=True):
            writer.add_page(content).merge_page(number)
    if laid_out and laid_out[0].metadata:
        writer.add_metadata(dict(laid_out[0].metadata))
    writer.write(out)
