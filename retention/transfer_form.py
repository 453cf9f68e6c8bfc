"""The 电子文件移交接收登记表 of a transfer package, as a Word file and as a PDF: the
units, the category, the count and bytes, and each of the four properties' results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dangan.archive import printing
from dangan.archive.print_docx import a4, chinese_fonts, header_footer, heading, table

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Registration:
    sender: str
    """移交单位: the township."""
    receiver: str
    category: str
    """门类 and its scope: 文书档案(扶贫) 003 白沙村 2018 年度."""
    items: int
    byte_count: int
    properties: tuple[tuple[str, str], ...]
    """(真实性, "通过 12 项" ...), one line per property."""
    made: str
    """When and at which journal head it was made."""

    @property
    def lines(self) -> tuple[tuple[str, str], ...]:
        return (
            ("移交单位", self.sender),
            ("接收单位", self.receiver),
            ("档案门类", self.category),
            ("件数", f"{self.items} 件"),
            ("字节数", f"{self.byte_count} 字节"),
        )


def write_docx(form: Registration, out: BinaryIO) -> None:
    import docx

    doc = docx.Document()
    a4(doc.sections[0])
    chinese_fonts(doc)
    header_footer(doc.sections[0], form.made)
    heading(doc, "电子文件移交接收登记表", 0)
    table(doc, (("项目", 40), ("内容", 130)), list(form.lines))
    heading(doc, "四性检测结果(DA/T 70-2018)", 2)
    table(doc, (("检测项", 40), ("结果", 130)), list(form.properties))
    for who in ("移交单位(签章)", "接收单位(签章)"):
        doc.add_paragraph(f"{who}:                经办人:                日期:")
    doc.save(out)


def render_html(form: Registration) -> str:
    return printing.templates(TEMPLATES).get_template("registration.html").render(f=form)


def write_pdf(form: Registration, out: BinaryIO) -> None:
    printing.write_pdf(render_html(form), out)
