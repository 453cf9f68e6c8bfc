"""The audit report as an HTML page and as an A4 PDF, both from one Jinja2 template
(templates/report.html; WeasyPrint lays out the PDF with the CJK fonts it names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from dangan.archive import printing
from dangan.archive.printing import templates
from dangan.audit.report_content import arrange, points

TEMPLATES = Path(__file__).with_name("templates")


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page, every value escaped."""
    env = templates(TEMPLATES, points=points)
    return env.get_template("report.html").render(c=arrange(report))


def write_html(report: dict[str, Any], out: BinaryIO) -> None:
    out.write(render_html(report).encode("utf-8"))


def write_pdf(report: dict[str, Any], out: BinaryIO) -> None:
    """The same page laid out on A4 by WeasyPrint."""
    printing.write_pdf(render_html(report), out)
