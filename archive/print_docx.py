"""Word pieces the printed outputs share (python-docx): East Asian text in a Chinese
font, A4 in either orientation, "第 N 页 共 M 页" in the footer, headings and grids set
on the XML directly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document
    from docx.section import Section
    from docx.table import Table
    from docx.text.paragraph import Paragraph

BODY_FONT = "宋体"
"""SimSun: on every Chinese Windows, where these files are opened and printed; elsewhere
the reader substitutes its own CJK serif (Noto Serif CJK SC on Debian)."""
HEADING_FONT = "黑体"

# Style ids of python-docx's default template, set on the XML directly: looking a style
# up by name walks every style of the file each time, which a county's report (thousands
# of headings and tables) feels. tests/test_audit_reports.py reads the names back.
HEADING_IDS = ("Title", "Heading1", "Heading2", "Heading3")
TABLE_GRID_ID = "TableGrid"


def _east_asian_font(rpr_parent: Any, font: str) -> None:
    """Sets w:eastAsia on the w:rFonts of a style's (or the defaults') run properties,
    dropping the theme font that would win over it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = rpr_parent.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_parent.insert(0, rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.set(qn("w:eastAsia"), font)


def chinese_fonts(doc: Document) -> None:
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    _east_asian_font(rpr_default, BODY_FONT)
    lang = rpr_default.find(qn("w:rPr")).find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    _east_asian_font(doc.styles["Normal"].element, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _east_asian_font(doc.styles[name].element, HEADING_FONT)


def a4(section: Section, *, landscape: bool = False) -> None:
    """A4 with 20 mm side margins: 170 mm of text across, 257 mm when landscape."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader fills in when it lays out pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(tag: str, **attrs: str) -> Any:
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        paragraph.add_run()._r.append(element)
        return element

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    instr = run_with("w:instrText", **{"xml:space": "preserve"})
    instr.text = f" {instruction} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run("1")
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def header_footer(section: Section, header_text: str) -> None:
    """`header_text` small at the top; "第 N 页 共 M 页" centred at the foot."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    header = section.header.paragraphs[0]
    header.add_run(header_text).font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


def heading(doc: Document, text: str, level: int) -> Paragraph:
    """doc.add_heading(text, level), without its look-up by name."""
    paragraph = doc.add_paragraph()
    paragraph._p.style = HEADING_IDS[level]
    paragraph.add_run(text)
    return paragraph


def table(
    doc: Document, columns: tuple[tuple[str, int], ...], rows: list[tuple[Any, ...]]
) -> Table:
    """A grid with a bold header row repeated on every page, small text, widths in mm."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt

    grid = doc.add_table(rows=1, cols=len(columns))
    grid._tbl.tblStyle_val = TABLE_GRID_ID
    grid.autofit = False
    head = grid.rows[0]
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, (name, width) in zip(head.cells, columns, strict=True):
        cell.width = Mm(width)
        run = cell.paragraphs[0].add_run(name)
        run.bold, run.font.size = True, Pt(9)
    for values in rows:
        row = grid.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, (_, width), value in zip(row.cells, columns, values, strict=True):
            cell.width = Mm(width)
            cell.paragraphs[0].add_run("" if value is None else str(value)).font.size = Pt(9)
    for column, (_, width) in zip(grid.columns, columns, strict=True):
        column.width = Mm(width)
    return grid
