"""Writes an audit report (the dict of `run_audit`) to a file in the format its suffix
names: .xlsx, .docx, .pdf or .html. Written beside the target and renamed onto it, so a
crash leaves the old file or none, never half of one. The writers take the dict only
(no database): the web pages can hand the same files out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from dangan.archive import printing
from dangan.audit import report_docx, report_html, report_xlsx

Writer = Callable[[dict[str, Any], BinaryIO], None]

WRITERS: dict[str, Writer] = {
    ".xlsx": report_xlsx.write_xlsx,
    ".docx": report_docx.write_docx,
    ".pdf": report_html.write_pdf,
    ".html": report_html.write_html,
}
SUFFIXES = tuple(WRITERS)


def check_target(path: Path) -> Writer:
    """The writer for `path`, or an InputError naming the file: a suffix that is not a
    report format, a folder that does not exist, a folder in the file's place."""
    return WRITERS[printing.check_target(path, SUFFIXES, "报告")]


def write_report(report: dict[str, Any], path: Path) -> Path:
    """Writes `report` to `path` in its suffix's format; returns the path written
    (absolute)."""
    path = Path(path)
    writer = check_target(path)
    return printing.write_atomically(path, lambda out: writer(report, out), "报告")
