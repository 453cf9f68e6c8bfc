"""Ledgers (台账) kept as spreadsheets: the text of an .xlsx workbook, cell by cell.

Each sheet begins with its name in 【】, then one line per row that holds anything, its
cells joined by tabs (as a Word table's rows are in `ingest.extract`), so that a row of
a household ledger stays one line for search and classification. The values shown are
the ones last calculated (a formula's result, not the formula); dates are written as a
Chinese office writes them (2018年3月5日), whole numbers without a decimal point.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from dangan.ingest.exceptions import CorruptFile, LimitExceeded

MAX_CELLS = 2_000_000
"""Cells read from one workbook; a ledger larger than this is not a village's."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return " ".join(str(value).split())


def workbook_text(path: Path, name: str) -> tuple[str, dict[str, Any]]:
    """The workbook's text, sheet by sheet, and its metadata (sheet names, its title and
    author when set)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # Opened as a stream: given a path, openpyxl refuses a name not ending in .xlsx, and
    # the store's blobs have no extension.
    with path.open("rb") as stream:
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            lost = [s for s in _declared_sheets(stream) if s not in book.sheetnames]
            if lost:
                book.close()
                raise CorruptFile(
                    name, f"Excel 表格已损坏：工作表 “{'”、“'.join(lost)}” 的内容缺失，无法读取"
                )
            try:
                return _read_book(book, name)
            finally:
                book.close()
        except (
            InvalidFileException,
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            OSError,
            ParseError,
            DefusedXmlException,
        ) as err:
            raise CorruptFile(
                name, f"Excel 表格已损坏，无法读取 ({type(err).__name__}: {err})"
            ) from err


def _declared_sheets(stream: Any) -> list[str]:
    """The sheet names the workbook part lists (openpyxl leaves out, without a word, a
    sheet whose part is missing: such a file is damaged, not a shorter ledger)."""
    from defusedxml.ElementTree import fromstring

    stream.seek(0)
    with zipfile.ZipFile(stream) as zf:
        root = fromstring(zf.read("xl/workbook.xml"))
    return [e.get("name", "") for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "sheet"]


def _read_book(book: Any, name: str) -> tuple[str, dict[str, Any]]:
    blocks: list[str] = []
    cells = 0
    for sheet in book.worksheets:
        lines = [f"【{sheet.title}】"]
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_CELLS:
                raise LimitExceeded(name, f"表格单元格超过上限 {MAX_CELLS:,} 个")
            line = "\t".join(_cell(v) for v in row).rstrip("\t")
            if line.strip():
                lines.append(line)
        blocks.append("\n".join(lines))
    metadata: dict[str, Any] = {"sheets": book.sheetnames}
    props = book.properties
    if props.title:
        metadata["title"] = props.title.strip()
    if props.creator:
        metadata["author"] = props.creator.strip()
    if props.created:
        metadata["created"] = props.created.isoformat()
    return "\n\n".join(blocks).strip(), metadata
