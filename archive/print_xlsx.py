"""Spreadsheet pieces the printed outputs share (openpyxl): text kept as text, a bold
header row, A4 print set-up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, fallback: str, taken: set[str]) -> str:
    """ "003 白沙村": at most 31 characters, none that Excel forbids, not in `taken`
    (which it joins)."""
    base = _SHEET_FORBIDDEN.sub("_", name)[:31].strip("'") or fallback
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


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
    """A4, as wide as one page, as many pages long as it takes (also on a write-only
    sheet, which lacks the class's constants)."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
