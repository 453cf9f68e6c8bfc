"""Spreadsheet pieces the printed outputs share (openpyxl): text kept as text, a bold
header row, A4 print set-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


def put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """One cell; text is always text, never a formula (an OCR'd "=" stays as read)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def header(ws: Worksheet, row: int, names: tuple[str, ...]) -> None:
    from openpyxl.styles import Font, PatternFill

    for column, name in enumerate(names, 1):
        cell = put(ws, row, column, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")


def print_setup(ws: Worksheet, *, landscape: bool = True) -> None:
    """A4, as wide as one page, as many pages long as it takes."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
