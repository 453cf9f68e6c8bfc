"""Text PDFs with a real CJK text layer, as an office program exports them.

The page layout comes from ``layout``; the text is set in a subset of Noto Serif CJK
(CFF outlines, CID-keyed) embedded as a CIDFontType0 font with Identity-H encoding, a
/W array and a ToUnicode map, so that viewers show it and text extraction (pypdf)
gives the Chinese back. Bold titles are drawn with fill-and-stroke, as Word does for a
font without a bold face.

fontTools does the subsetting. Subsetting the 65,000-glyph face is slow (seconds), so a
subset of the generator's whole vocabulary (about 1,100 characters, 300 KB) is made
once, kept in memory and in a cache folder (``$XDG_CACHE_HOME/dangan-demo``), and
embedded as it is in every PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dangan.demo.layout import Page, face_index, font_file
from dangan.demo.tradmap import to_traditional

_VOCAB_SOURCES = ("forms.py", "people.py", "faults.py", "layout.py", "tradmap.py", "build.py")


@lru_cache(maxsize=1)
def vocabulary() -> str:
    """Every character the generator can write: the non-ASCII characters of its own
    sources (templates, name lists) with their Traditional forms, and printable ASCII."""
    here = Path(__file__).parent
    chars: set[str] = {chr(i) for i in range(32, 127)}
    for name in _VOCAB_SOURCES:
        p = here / name
        if p.is_file():
            chars.update(c for c in p.read_text(encoding="utf-8") if ord(c) > 127)
    chars.update(to_traditional("".join(sorted(chars))))
    return "".join(sorted(c for c in chars if c.isprintable()))


def _cache_dir() -> Path | None:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(root) / "dangan-demo"
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return d


def _subset(font_bytes_or_path: bytes | Path, chars: str, face: int | None) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.layout_features = []
    opts.notdef_outline = True
    opts.hinting = False
    opts.desubroutinize = True
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    if isinstance(font_bytes_or_path, bytes):
        font = TTFont(io.BytesIO(font_bytes_or_path), recalcBBoxes=False, recalcTimestamp=False)
    else:
        font = TTFont(
            str(font_bytes_or_path), fontNumber=face or 0, recalcBBoxes=False, recalcTimestamp=False
        )
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_BASES: dict[tuple[str, int], tuple[str, bytes]] = {}


def base_font(traditional: bool) -> tuple[str, bytes]:
    """(characters, OpenType bytes) of the vocabulary subset of the serif face."""
    path = font_file("serif")
    face = face_index(traditional)
    key = (str(path), face)
    if key in _BASES:
        return _BASES[key]
    chars = vocabulary()
    digest = hashlib.sha256(f"{path}:{face}:{path.stat().st_size}:{chars}".encode()).hexdigest()
    cache = _cache_dir()
    cached = cache / f"base-{digest[:24]}.otf" if cache else None
    data: bytes | None = None
    if cached is not None and cached.is_file():
        data = cached.read_bytes()
    if data is None:
        data = _subset(path, chars, face)
        if cached is not None:
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, cached)
            except OSError:
                pass
    _BASES[key] = (chars, data)
    return _BASES[key]


@dataclass
class EmbeddedFont:
    name: str
    cff: bytes
    cids: dict[str, int]  # character -> CID
    widths: dict[int, int]  # CID -> advance in 1/1000 em
    bbox: tuple[int, int, int, int]


def _embedded(data: bytes, traditional: bool, chars: str) -> EmbeddedFont:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    cids: dict[str, int] = {}
    widths: dict[int, int] = {}
    for ch in chars:
        glyph = cmap.get(ord(ch))
        if glyph is None:
            continue
        cid = int(glyph[3:]) if glyph.startswith("cid") else font.getGlyphID(glyph)
        cids[ch] = cid
        widths[cid] = hmtx[glyph][0]
    cff = zlib.compress(font.reader["CFF "], 6)  # the table as it is: no recompiling
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(chars.encode()).digest()[:6])
    head = font["head"]
    face = "NotoSerifCJKtc-Regular" if traditional else "NotoSerifCJKsc-Regular"
    return EmbeddedFont(
        f"{tag}+{face}", cff, cids, widths, (head.xMin, head.yMin, head.xMax, head.yMax)
    )


_EMBEDDED: dict[bool, EmbeddedFont] = {}


def embedded_font(text: str, traditional: bool) -> EmbeddedFont:
    """The font to embed for ``text``: the vocabulary subset (made once per process, so a
    PDF costs no font work), or, for a character outside the vocabulary, a subset of the
    full face holding just the characters of ``text``."""
    base_chars, base = base_font(traditional)
    if set(text) <= set(base_chars):
        if traditional not in _EMBEDDED:
            _EMBEDDED[traditional] = _embedded(base, traditional, base_chars)
        return _EMBEDDED[traditional]
    chars = "".join(sorted(set(text) | {" "}))
    data = _subset(font_file("serif"), chars, face_index(traditional))
    return _embedded(data, traditional, chars)


def _pdf_string(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(when: dt.datetime) -> bytes:
    return f"(D:{when:%Y%m%d%H%M%S}+08'00')".encode()


def _widths_array(widths: dict[int, int]) -> bytes:
    parts = []
    for cid in sorted(widths):
        parts.append(f"{cid} [{widths[cid]}]")
    return ("[" + " ".join(parts) + "]").encode()


def _to_unicode(cids: dict[str, int]) -> bytes:
    pairs = sorted((cid, ch) for ch, cid in cids.items())
    out = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for i in range(0, len(pairs), 100):
        chunk = pairs[i : i + 100]
        out.append(f"{len(chunk)} beginbfchar")
        for cid, ch in chunk:
            out.append(f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>")
        out.append("endbfchar")
    out += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(out).encode()


def _stream(body: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        body = zlib.compress(body, 6)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def write_text_pdf(
    pages: list[Page],
    *,
    title: str,
    author: str,
    when: dt.datetime,
    traditional: bool = False,
    creator: str = "Microsoft Word",
) -> bytes:
    """A PDF of the laid-out ``pages`` with a text layer in an embedded CJK subset."""
    text = "".join(run.text for page in pages for run in page.runs)
    font = embedded_font(text, traditional)
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    info = add(
        b"<< /Title "
        + _pdf_string(title)
        + b" /Author "
        + _pdf_string(author)
        + b" /Creator "
        + _pdf_string(creator)
        + b" /Producer (dangan demo generator)"
        + b" /CreationDate "
        + _pdf_date(when)
        + b" /ModDate "
        + _pdf_date(when)
        + b" >>"
    )
    font_file_id = add(
        b"<< /Length %d /Subtype /CIDFontType0C /Filter /FlateDecode >>\nstream\n" % len(font.cff)
        + font.cff
        + b"\nendstream"
    )
    x0, y0, x1, y1 = font.bbox
    descriptor = add(
        (
            f"<< /Type /FontDescriptor /FontName /{font.name} /Flags 4 "
            f"/FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent 880 "
            f"/Descent -120 /CapHeight 733 /StemV 80 /FontFile3 {font_file_id} 0 R >>"
        ).encode()
    )
    cid_font = add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /"
        + font.name.encode()
        + b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        + b" /FontDescriptor %d 0 R /DW 1000 /W " % descriptor
        + _widths_array(font.widths)
        + b" >>"
    )
    to_unicode = add(_stream(_to_unicode(font.cids)))
    type0 = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /"
        + font.name.encode()
        + b" /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>"
        % (cid_font, to_unicode)
    )
    kids = []
    for page in pages:
        h = page.height
        ops: list[str] = ["0 G 0 g"]
        for rule in page.rules:
            ops.append(
                f"{_num(rule.width * 0.8)} w {_num(rule.x1)} {_num(h - rule.y1)} m "
                f"{_num(rule.x2)} {_num(h - rule.y2)} l S"
            )
        ops.append("0.3 w")
        for run in page.runs:
            codes = "".join(f"{font.cids.get(ch, 0):04X}" for ch in run.text)
            mode = 2 if run.font == "bold" else 0
            ops.append(
                f"BT /F1 {_num(run.size)} Tf {mode} Tr 1 0 0 1 {_num(run.x)} "
                f"{_num(h - run.y)} Tm <{codes}> Tj ET"
            )
        content = add(_stream("\n".join(ops).encode()))
        kids.append(
            add(
                (
                    f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 "
                    f"{_num(page.width)} {_num(page.height)}] /Resources << /Font << /F1 "
                    f"{type0} 0 R >> /ProcSet [/PDF /Text] >> /Contents {content} 0 R >>"
                ).encode()
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b"] /Count %d >>" % len(kids)
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    doc_id = hashlib.md5(out.getvalue(), usedforsecurity=False).hexdigest().upper().encode()
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
        % (len(objects) + 1, catalog, info, doc_id, doc_id)
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()
