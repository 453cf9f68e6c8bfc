"""The audit report as a spreadsheet (openpyxl): a summary sheet (scope, when made, the
journal's head, each village's score and the rules checked), then one sheet per village
with its findings under an autofilter and, below them, its score and deductions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

from dangan.archive.print_xlsx import header, print_setup, put, sheet_title
from dangan.audit.report_content import VILLAGE_WIDE, Chapter, Content, arrange

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FINDING_COLUMNS = (
    ("序号", 6),
    ("规则", 24),
    ("级别", 6),
    ("户编号", 8),
    ("说明", 60),
    ("证据档号", 30),
    ("证据摘录", 60),
)
# under the findings' columns: rule under rule, household under household, text under text
DEDUCTION_COLUMNS = ("序号", "规则", "扣分", "户编号", "说明", "扣分项", "所据发现序号")


def _summary(ws: Worksheet, content: Content, titles: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = "汇总"
    put(ws, 1, 1, content.title).font = Font(bold=True, size=16)
    facts = (
        ("生成时间", content.generated),
        ("检查范围", content.scope),
        ("日志头序号", content.journal_seq),
        ("日志头哈希", content.journal_hash),
        ("发现", ",".join(f"{name} {n} 条" for name, n in content.summary.items())),
    )
    for row, (name, value) in enumerate(facts, 3):
        put(ws, row, 1, name).font = Font(bold=True)
        put(ws, row, 2, value).alignment = Alignment(horizontal="left")
    row = 3 + len(facts) + 1
    header(ws, row, ("村代码", "村名", "得分", "满分", "扣分项", "问题", "提示", "说明"))
    for chapter in content.chapters:
        row += 1
        link = put(ws, row, 1, chapter.code)
        link.hyperlink = f"#'{titles[chapter.code]}'!A1"
        link.font = Font(color="0000EE", underline="single")
        put(ws, row, 2, chapter.name)
        put(ws, row, 3, chapter.score)
        put(ws, row, 4, chapter.max)
        put(ws, row, 5, len(chapter.deductions))
        for column, n in enumerate(chapter.counts.values(), 6):
            put(ws, row, column, n)
    row += 2
    header(ws, row, ("规则代码", "规则", "发现数"))
    for rule in content.rules:
        row += 1
        put(ws, row, 1, rule.code)
        put(ws, row, 2, rule.title)
        put(ws, row, 3, rule.findings)
    for letter, width in zip("ABCDEFGH", (16, 40, 8, 8, 8, 8, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width
    print_setup(ws)


def _village(ws: Worksheet, chapter: Chapter) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    header(ws, 1, tuple(name for name, _ in FINDING_COLUMNS))
    row = 1
    for f in chapter.findings:
        row += 1
        values = (
            f.number,
            f.rule,
            f.severity_name,
            f.household_no or VILLAGE_WIDE,
            f.message,
            "\n".join(e.where for e in f.evidence),
            "\n".join(e.excerpt for e in f.evidence),
        )
        for column, value in enumerate(values, 1):
            put(ws, row, column, value).alignment = wrap
    last = get_column_letter(len(FINDING_COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{row}"
    ws.freeze_panes = "A2"
    for column, (_, width) in enumerate(FINDING_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.print_title_rows = "1:1"

    row += 2
    put(ws, row, 1, "得分").font = Font(bold=True)
    put(ws, row, 2, chapter.score_text).font = Font(bold=True)
    put(ws, row, 3, "扣分")
    put(ws, row, 4, chapter.points_taken)
    row += 1
    header(ws, row, DEDUCTION_COLUMNS)
    for d in chapter.deductions:
        row += 1
        values = (
            d.number,
            d.rule,
            d.points,
            d.household_no or VILLAGE_WIDE,
            d.message,
            d.section,
            d.finding.number if d.finding else None,
        )
        for column, value in enumerate(values, 1):
            put(ws, row, column, value).alignment = wrap
    if not chapter.deductions:
        put(ws, row + 1, 1, "无扣分")
    print_setup(ws)


def write_xlsx(report: dict[str, Any], out: BinaryIO) -> None:
    from openpyxl import Workbook

    content = arrange(report)
    book = Workbook()
    taken: set[str] = {"汇总"}
    titles = {ch.code: sheet_title(ch.title, ch.code, taken) for ch in content.chapters}
    _summary(book.active, content, titles)
    for chapter in content.chapters:
        _village(book.create_sheet(titles[chapter.code]), chapter)
    book.save(out)
