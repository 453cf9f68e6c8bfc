"""The catalog (catalog.Catalog) as files: a spreadsheet with one sheet per village and
per household file, a CSV, a Word file and a PDF with one section each, all A4 landscape
with the header row on every page; and the box labels with each box's 备考表 (PDF). Each
prints when it was made and the journal's head."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from dangan.archive import printing
from dangan.archive.catalog import (
    COLUMNS,
    DESTROYED,
    TRANSFERRED,
    Box,
    Catalog,
    HouseholdFile,
    VillageSection,
)
from dangan.archive.print_docx import a4, chinese_fonts, header_footer, heading, table
from dangan.archive.print_xlsx import print_setup, sheet_title
from dangan.archive.printing import china_time, clean
from dangan.archive.scheme import BoxSize

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

TEMPLATES = Path(__file__).with_name("templates")
# spreadsheet column widths (characters) and Word's (mm, 257 mm across landscape A4)
XLSX_WIDTHS = (6, 30, 14, 16, 48, 10, 6, 6, 14)
DOCX_WIDTHS = (12, 52, 24, 28, 75, 18, 12, 12, 24)
CSV_LEAD = ("行政村", "户编号", "户主")
PART_ROWS = 1000
"""A PDF catalog of more rows is laid out in parts of about this many rows, several at
once: WeasyPrint uses one core, and holds a part's whole layout in memory (10,000 rows
in two parts took 1.4 GB a part)."""
PDF_PROCESSES = 4


def made_line(catalog: Catalog) -> str:
    return (
        f"生成于 {china_time(catalog.generated_at)},日志头 {catalog.journal_seq}:"
        f"{catalog.journal_hash}"
    )


def household_facts(household: HouseholdFile) -> tuple[tuple[str, str], ...]:
    """The household file's cover (一户一档封面)."""
    return (
        ("户主", household.head_name),
        ("户编号", household.household_no),
        ("行政村", f"{household.village_code} {household.village_name}"),
        ("年度起止", household.years),
        ("件数", f"{len(household.rows)} 件"),
    )


# ------------------------------------------------------------------ spreadsheet


def _particulars(catalog: Catalog) -> tuple[tuple[str, str], ...]:
    """What every print of a catalog states about itself, before its rows."""
    return (
        ("全宗号", catalog.fonds),
        ("范围", catalog.scope),
        ("件数", f"{catalog.count} 件"),
        ("生成时间", china_time(catalog.generated_at)),
        ("日志头", f"{catalog.journal_seq}:{catalog.journal_hash}"),
    )


def write_xlsx(catalog: Catalog, out: BinaryIO) -> None:
    """One sheet per village: its own items, then each household file on a page of its
    own under a line holding its cover (户主、户编号、行政村、年度起止、件数). The header row
    repeats on every printed page. Write-only mode: a county's rows are streamed, and a
    cell gets a style only where it needs one."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.pagebreak import Break

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    taken = {"说明"}

    def cell(ws: Any, value: Any, *, font: Any = None, fill: Any = None) -> Any:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text stays text, never a formula
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        return c

    def plain(ws: Any, value: Any) -> Any:
        if isinstance(value, str):
            value = clean(value)
            if value.startswith("="):
                return cell(ws, value)
        return value

    def rows(ws: Any, items: Any) -> int:
        for row in items:
            values = [plain(ws, v) for v in row.cells]
            values[4] = cell(ws, clean(row.title))
            values[4].alignment = wrap  # a long title wraps in print
            ws.append(values)
        return len(items)

    # a write-only sheet writes its properties, view and columns with its first row:
    # they are set before anything is appended
    about = book.create_sheet("说明")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 90
    print_setup(about)
    about.append([cell(about, catalog.title, font=Font(bold=True, size=16))])
    for key, value in (
        *_particulars(catalog),
        ("说明", "每村一张表: 先村级文件, 再逐户(一户一档)的封面行和卷内目录, 每户另起一页"),
        ("", "题名外加 [ ] 者为整理人自拟; 备注“已销毁”“已移交”的文件保留其条目"),
    ):
        about.append([cell(about, key, font=bold), plain(about, value)])
    for village in catalog.villages:
        ws = book.create_sheet(sheet_title(village.title, village.code, taken))
        for column, width in enumerate(XLSX_WIDTHS):
            ws.column_dimensions[chr(65 + column)].width = width
        ws.print_title_rows = "3:3"
        ws.freeze_panes = "A4"
        print_setup(ws)
        ws.append([cell(ws, f"{village.title} 归档文件目录", font=Font(bold=True, size=14))])
        ws.append([plain(ws, made_line(catalog))])
        ws.append([cell(ws, name, font=bold, fill=grey) for name in COLUMNS])
        ws.append([cell(ws, f"村级文件 {len(village.rows)} 件", font=bold)])
        at = 4 + rows(ws, village.rows)
        for household in village.households:
            ws.row_breaks.append(Break(id=at))
            # the cover from column B on: column A (序号) is too narrow to hold a word
            cover = [
                None,
                *(cell(ws, f"{k} {v}", font=bold) for k, v in household_facts(household)),
            ]
            ws.append(cover)
            at += 1 + rows(ws, household.rows)
    book.save(out)


# ------------------------------------------------------------------ CSV


def write_csv(catalog: Catalog, out: BinaryIO) -> None:
    """One table; each row names its village and household. UTF-8 with a BOM, so that
    Excel on a Chinese Windows opens it as UTF-8."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_LEAD + COLUMNS)
    for village, household, row in catalog.rows():
        lead = (
            village.title,
            household.household_no if household else "村级",
            household.head_name if household else "",
        )
        writer.writerow([_csv_safe(v) for v in (*lead, *row.cells)])
    text.flush()
    text.detach()


def _csv_safe(value: Any) -> Any:
    """A cell a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = clean(value)
        if value[:1] in ("=", "+", "-", "@") and not value[1:2].isdigit():
            return "'" + value
    return value


# ------------------------------------------------------------------ Word


def write_docx(catalog: Catalog, out: BinaryIO) -> None:
    import docx
    from docx.enum.section import WD_SECTION

    doc: WordDocument = docx.Document()
    section = doc.sections[0]
    a4(section, landscape=True)
    chinese_fonts(doc)
    header_footer(section, f"{catalog.title} · {made_line(catalog)}")
    doc.core_properties.title = f"{catalog.title} {catalog.scope}"
    heading(doc, catalog.title, 0)
    for key, value in _particulars(catalog):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{key}:").bold = True
        paragraph.add_run(clean(value))
    columns = tuple(zip(COLUMNS, DOCX_WIDTHS, strict=True))

    def rows(items: Any) -> list[tuple[Any, ...]]:
        return [tuple(clean(v) if isinstance(v, str) else v for v in r.cells) for r in items]

    for village in catalog.villages:
        doc.add_section(WD_SECTION.NEW_PAGE)
        heading(doc, f"{village.title} 村级文件目录", 1)
        if village.rows:
            table(doc, columns, rows(village.rows))
        else:
            doc.add_paragraph("本村没有村级文件。")
        for household in village.households:
            doc.add_section(WD_SECTION.NEW_PAGE)
            heading(doc, f"{household.title} 一户一档", 1)
            for key, value in household_facts(household):
                paragraph = doc.add_paragraph()
                paragraph.add_run(f"{key}:").bold = True
                paragraph.add_run(clean(value))
            heading(doc, "卷内目录", 2)
            table(doc, columns, rows(household.rows))
    doc.save(out)


# ------------------------------------------------------------------ PDF


Unit = tuple[VillageSection, HouseholdFile | None]


def _units(catalog: Catalog) -> list[Unit]:
    """The catalog's sections in order: a village's own items, then its households."""
    return [
        unit
        for village in catalog.villages
        for unit in [(village, None), *((village, h) for h in village.households)]
    ]


def render_html(
    catalog: Catalog, units: list[Unit] | None = None, *, front: bool = True, numbered: bool = True
) -> str:
    env = printing.templates(TEMPLATES)
    return env.get_template("catalog.html").render(
        c=catalog,
        units=_units(catalog) if units is None else units,
        front=front,
        numbered=numbered,
        columns=COLUMNS,
        made=made_line(catalog),
        generated=china_time(catalog.generated_at),
        facts=household_facts,
    )


def _split(units: list[Unit], parts: int) -> list[list[Unit]]:
    """`units` cut into at most `parts` runs of about as many rows each."""
    weights = [len(h.rows if h is not None else v.rows) + 2 for v, h in units]
    share = sum(weights) / parts
    runs: list[list[Unit]] = [[]]
    done = 0
    for unit, weight in zip(units, weights, strict=True):
        if runs[-1] and done >= share * len(runs) and len(runs) < parts:
            runs.append([])
        runs[-1].append(unit)
        done += weight
    return runs


def write_pdf(catalog: Catalog, out: BinaryIO) -> None:
    """One process lays out a small catalog; a large one is laid out in parts, as many
    at once as there are cores, joined and numbered afterwards."""
    count = -(-catalog.count // PART_ROWS)
    if count < 2:
        printing.write_pdf(render_html(catalog), out)
        return
    runs = _split(_units(catalog), count)
    parts = [render_html(catalog, run, front=n == 0, numbered=False) for n, run in enumerate(runs)]
    processes = min(PDF_PROCESSES, os.cpu_count() or 1, len(parts))
    printing.write_pdf_in_parts(parts, "A4 landscape", out, processes)


def render_labels(catalog: Catalog, boxes: list[Box], size: BoxSize) -> str:
    """Each box's cover and spine, drawn to the box's size within an A4 sheet, and its
    备考表."""
    env = printing.templates(TEMPLATES)
    # A4 portrait less 10 mm margins holds 190 × 277 mm: a larger box is drawn scaled.
    scale = min(1.0, 190 / size.width_mm, 277 / size.height_mm)
    return env.get_template("labels.html").render(
        c=catalog,
        boxes=boxes,
        made=made_line(catalog),
        cover=(round(size.width_mm * scale, 1), round(size.height_mm * scale, 1)),
        spine=(round(size.thickness_mm * scale, 1), round(size.height_mm * scale, 1)),
        spines_per_page=max(1, int(190 // (size.thickness_mm * scale + 2))),
        size=size,
        destroyed=DESTROYED,
        transferred=TRANSFERRED,
    )


Writer = Callable[[Catalog, BinaryIO], None]
WRITERS: dict[str, Writer] = {
    ".xlsx": write_xlsx,
    ".csv": write_csv,
    ".docx": write_docx,
    ".pdf": write_pdf,
}
SUFFIXES = tuple(WRITERS)


def check_target(path: Path) -> Writer:
    return WRITERS[printing.check_target(path, SUFFIXES, "目录")]


def write_catalog(catalog: Catalog, path: Path) -> Path:
    """Writes `catalog` to `path` in its suffix's format, whole or not at all."""
    writer = check_target(path)
    return printing.write_atomically(path, lambda out: writer(catalog, out), "目录")


def write_labels(catalog: Catalog, boxes: list[Box], size: BoxSize, path: Path) -> Path:
    printing.check_target(path, (".pdf",), "盒标签")
    html = render_labels(catalog, boxes, size)
    return printing.write_atomically(path, lambda out: printing.write_pdf(html, out), "盒标签")
