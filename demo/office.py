"""DOCX documents with tables (python-docx), and byte-stable Office zips.

python-docx and openpyxl stamp the current time into the zip entries and the core
properties; ``stable_zip`` rewrites a package with fixed entry times and the document's
own dates, so the same seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from docx import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from dangan.demo.forms import Document, Gap, Grid, IdCard, PageBreak, Para, id_card_lines

_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stable_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an Office package with entry times and core-property dates set to ``when``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATE.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            zi = zipfile.ZipInfo(
                info.filename,
                date_time=(when.year, when.month, when.day, when.hour, when.minute, when.second),
            )
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _east_asian(run: object, font: str = "宋体") -> None:
    r = run._element  # type: ignore[attr-defined]
    rpr = r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), "Times New Roman")
    fonts.set(qn("w:hAnsi"), "Times New Roman")


def write_docx(doc: Document, *, author: str, when: dt.datetime) -> bytes:
    """A Word document of ``doc``: paragraphs as paragraphs, grids as bordered tables
    with merged cells for spans."""
    d = DocxDocument()
    normal = d.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = "Times New Roman"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    if doc.page == "A4L":
        from docx.enum.section import WD_ORIENT

        sec = d.sections[0]
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for block in doc.blocks:
        if isinstance(block, Para):
            p = d.add_paragraph()
            p.alignment = {
                "center": WD_ALIGN_PARAGRAPH.CENTER,
                "right": WD_ALIGN_PARAGRAPH.RIGHT,
            }.get(block.align, WD_ALIGN_PARAGRAPH.LEFT)
            if block.indent:
                p.paragraph_format.first_line_indent = Pt(block.indent * block.size)
            for text in block.runs:
                run = p.add_run(text)
                run.font.size = Pt(block.size)
                run.bold = block.font == "bold"
                _east_asian(run, "黑体" if block.font == "bold" else "宋体")
        elif isinstance(block, Grid):
            ncols = len(block.widths)
            table = d.add_table(rows=len(block.rows), cols=ncols)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, row in enumerate(block.rows):
                col = 0
                for cell in row:
                    span = cell[1] if isinstance(cell, tuple) else 1
                    text = cell[0] if isinstance(cell, tuple) else cell
                    target = table.cell(r, col)
                    if span > 1:
                        target = target.merge(table.cell(r, min(col + span, ncols) - 1))
                    target.text = ""
                    run = target.paragraphs[0].add_run(text)
                    run.font.size = Pt(block.size)
                    _east_asian(run)
                    col += span
        elif isinstance(block, PageBreak):
            d.add_page_break()
        elif isinstance(block, Gap):
            d.add_paragraph()
        elif isinstance(block, IdCard):
            for line in id_card_lines(block):
                d.add_paragraph(line)
    core = d.core_properties
    core.author = author
    core.last_modified_by = author
    core.title = doc.title
    core.created = when.replace(tzinfo=None)
    core.modified = when.replace(tzinfo=None)
    core.revision = 1
    buf = io.BytesIO()
    d.save(buf)
    return stable_zip(buf.getvalue(), when)


def docx_text(data: bytes) -> str:
    """Paragraph and table text of a DOCX in body order (tables row by row)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    d = DocxDocument(io.BytesIO(data))
    lines: list[str] = []
    for child in d.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, d).text
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            for row in Table(child, d).rows:
                texts: list[str] = []
                previous = None
                for cell in row.cells:  # a merged cell comes once per grid column
                    if cell._tc is not previous and cell.text:
                        texts.append(cell.text)
                    previous = cell._tc
                lines.append(" ".join(texts))
    return "\n".join(lines)
