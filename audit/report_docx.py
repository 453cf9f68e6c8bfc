"""The audit report as a Word file (python-docx), with the PDF's content: A4, the
heading facts and the village scores first, then a chapter per village with its score,
its deductions and its findings by household; East Asian text in a Chinese font, and
"第 N 页 共 M 页" in the footer."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, BinaryIO

from dangan.archive.print_docx import a4, chinese_fonts, header_footer, heading, table
from dangan.audit.report_content import Chapter, Content, FindingView, arrange, points

if TYPE_CHECKING:
    from docx.document import Document

# column widths in mm: each table fills the 170 mm between A4's 20 mm margins
DEDUCTION_COLUMNS = (("序号", 10), ("扣分项", 45), ("户", 18), ("扣分", 17), ("所据发现", 80))
FINDING_COLUMNS = (("序号", 10), ("级别", 11), ("规则", 34), ("说明", 55), ("证据", 60))


def _summary(doc: Document, content: Content) -> None:
    heading(doc, content.title, 0)
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
    heading(doc, "各村得分", 2)
    table(
        doc,
        (("村", 50), ("得分", 30), ("扣分项", 20), ("问题", 20), ("提示", 20), ("说明", 20)),
        [
            (ch.title, ch.score_text, len(ch.deductions), *ch.counts.values())
            for ch in content.chapters
        ],
    )
    heading(doc, "检查规则", 2)
    table(
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
    title = heading(doc, chapter.title, 1)
    title.paragraph_format.page_break_before = True
    score = doc.add_paragraph()
    score.add_run("得分 ")
    score.add_run(chapter.score_text).bold = True
    if chapter.deductions:
        score.add_run(f",扣分 {points(chapter.points_taken)} 分({len(chapter.deductions)} 项)")
    counts = ",".join(f"{name} {n}" for name, n in chapter.counts.items())
    score.add_run(f";发现 {len(chapter.findings)} 条({counts})")

    heading(doc, "扣分明细", 2)
    if chapter.deductions:
        table(
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

    heading(doc, "发现(按户)", 2)
    if not chapter.households:
        doc.add_paragraph("本村没有发现。")
    for group in chapter.households:
        heading(doc, group.label, 3)
        table(
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
    a4(doc.sections[0])
    chinese_fonts(doc)
    header_footer(doc.sections[0], f"{content.title} · 生成于 {content.generated}")
    doc.core_properties.title = f"{content.title} {content.scope}"
    _summary(doc, content)
    for chapter in content.chapters:
        _chapter(doc, chapter)
    doc.save(out)
