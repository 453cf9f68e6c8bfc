"""The audit report as a Word file (python-docx), with the PDF's content: A4, the
heading facts and the village scores first, then a chapter per village with its score,
its deductions and its findings by household; East Asian text in a Chinese font, and
"第 N 页 共 M 页" in the footer."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, BinaryIO

from dangan.audit.report_content import Chapter, Content, FindingView, arrange, points

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

BODY_FONT = "宋体"
"""SimSun: on every Chinese Windows, where these files are opened and printed; elsewhere
the reader substitutes its own CJK serif (Noto Serif CJK SC on Debian)."""
HEADING_FONT = "黑体"
# column widths in mm: each table fills the 170 mm between A4's 20 mm margins
DEDUCTION_COLUMNS = (("序号", 10), ("扣分项", 45), ("户", 18), ("扣分", 17), ("所据发现", 80))
FINDING_COLUMNS = (("序号", 10), ("级别", 11), ("规则", 34), ("说明", 55), ("证据", 60))


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


def _chinese_fonts(doc: Document) -> None:
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


def _a4(doc: Document) -> None:
    from docx.shared import Mm

    for section in doc.sections:
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


def _header_footer(doc: Document, content: Content) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.add_run(f"{content.title} · 生成于 {content.generated}").font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


# Style ids of python-docx's default template, set on the XML directly: looking a style
# up by name walks every style of the file each time, which a county's report (thousands
# of headings and tables) feels. tests/test_audit_reports.py reads the names back.
HEADING_IDS = ("Title", "Heading1", "Heading2", "Heading3")
TABLE_GRID_ID = "TableGrid"


def _heading(doc: Document, text: str, level: int) -> Paragraph:
    """doc.add_heading(text, level), without its look-up by name."""
    paragraph = doc.add_paragraph()
    paragraph._p.style = HEADING_IDS[level]
    paragraph.add_run(text)
    return paragraph


def _table(
    doc: Document, columns: tuple[tuple[str, int], ...], rows: list[tuple[Any, ...]]
) -> Table:
    """A grid with a bold header row repeated on every page, small text, set widths."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt

    table = doc.add_table(rows=1, cols=len(columns))
    table._tbl.tblStyle_val = TABLE_GRID_ID
    table.autofit = False
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, (name, width) in zip(header.cells, columns, strict=True):
        cell.width = Mm(width)
        run = cell.paragraphs[0].add_run(name)
        run.bold, run.font.size = True, Pt(9)
    for values in rows:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, (_, width), value in zip(row.cells, columns, values, strict=True):
            cell.width = Mm(width)
            cell.paragraphs[0].add_run("" if value is None else str(value)).font.size = Pt(9)
    for column, (_, width) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)
    return table


def _summary(doc: Document, content: Content) -> None:
    _heading(doc, content.title, 0)
    facts = (
        ("生成时间", content.generated),
        ("检查范围", content.scope),
        ("日志头", f"序号 {content.journal_seq},哈希 {content.journal_hash}"),
        ("发现", ",".join(f"{name} {n} 条" for name, n in content.summary.items())),
    )
    for name, value in facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{name}:").bold = True
        paragraph.add_run(value)
    _heading(doc, "各村得分", 2)
    _table(
        doc,
        (("村", 50), ("得分", 30), ("扣分项", 20), ("问题", 20), ("提示", 20), ("说明", 20)),
        [
            (ch.title, ch.score_text, len(ch.deductions), *ch.counts.values())
            for ch in content.chapters
        ],
    )
    _heading(doc, "检查规则", 2)
    _table(
        doc,
        (("代码", 60), ("规则", 90), ("发现", 20)),
        [(r.code, r.title, r.findings) for r in content.rules],
    )


def _pictures(doc: Document, findings: tuple[FindingView, ...] | list[FindingView]) -> None:
    """The evidence that is a picture (a signature field's crop), under the table."""
    from docx.shared import Mm

    for f in findings:
        for e in f.evidence:
            if e.png:
                doc.add_paragraph(f"发现 {f.number} 证据 {e.where}:")
                doc.add_picture(io.BytesIO(e.png), width=Mm(100))


def _chapter(doc: Document, chapter: Chapter) -> None:
    heading = _heading(doc, chapter.title, 1)
    heading.paragraph_format.page_break_before = True
    score = doc.add_paragraph()
    score.add_run("得分 ")
    score.add_run(chapter.score_text).bold = True
    if chapter.deductions:
        score.add_run(f",扣分 {points(chapter.points_taken)} 分({len(chapter.deductions)} 项)")
    counts = ",".join(f"{name} {n}" for name, n in chapter.counts.items())
    score.add_run(f";发现 {len(chapter.findings)} 条({counts})")

    _heading(doc, "扣分明细", 2)
    if chapter.deductions:
        _table(
            doc,
            DEDUCTION_COLUMNS,
            [
                (
                    d.number,
                    d.section,
                    d.household,
                    d.points_text,
                    (f"发现 {d.finding.number} " if d.finding else "") + f"{d.rule}:{d.message}",
                )
                for d in chapter.deductions
            ],
        )
    else:
        doc.add_paragraph("无扣分。")

    _heading(doc, "发现(按户)", 2)
    if not chapter.households:
        doc.add_paragraph("本村没有发现。")
    for group in chapter.households:
        _heading(doc, group.label, 3)
        _table(
            doc,
            FINDING_COLUMNS,
            [
                (
                    f.number,
                    f.severity_name,
                    f"{f.rule}\n{f.rule_title}",
                    f.message,
                    "\n".join(e.text for e in f.evidence),
                )
                for f in group.findings
            ],
        )
        _pictures(doc, group.findings)


def write_docx(report: dict[str, Any], out: BinaryIO) -> None:
    import docx

    content = arrange(report)
    doc = docx.Document()
    _a4(doc)
    _chinese_fonts(doc)
    _header_footer(doc, content)
    doc.core_properties.title = f"{content.title} {content.scope}"
    _summary(doc, content)
    for chapter in content.chapters:
        _chapter(doc, chapter)
    doc.save(out)
