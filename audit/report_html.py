"""The audit report as an HTML page and as an A4 PDF, both from one Jinja2 template
(templates/report.html; WeasyPrint lays out the PDF with the CJK fonts it names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from dangan.audit.report_content import arrange, points

TEMPLATES = Path(__file__).with_name("templates")


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page, every value escaped."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["points"] = points
    return env.get_template("report.html").render(c=arrange(report))


def write_html(report: dict[str, Any], out: BinaryIO) -> None:
    out.write(render_html(report).encode("utf-8"))


def _weasyprint() -> Any:
    """WeasyPrint, imported without its one side effect on the process: on import it
    sets Pillow's ImageFile.LOAD_TRUNCATED_IMAGES, which would let ingest take a cut-off
    scan for a whole one in a server or worker that once wrote a PDF. The report's only
    images are the signature crops dangan made itself, so the flag is put back as it was."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def write_pdf(report: dict[str, Any], out: BinaryIO) -> None:
    """The same page laid out on A4 by WeasyPrint. It fetches nothing: the page's only
    resources are the signature crops written into it as data: URIs, and any other URL
    that found its way in is refused."""
    weasyprint = _weasyprint()
    html = weasyprint.HTML(
        string=render_html(report),
        url_fetcher=weasyprint.URLFetcher(allowed_protocols=("data",)),
    )
    html.write_pdf(out)
