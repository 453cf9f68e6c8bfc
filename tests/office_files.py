"""Real files of the formats a village office has, made on the fly: Word and Excel 97 files
written by LibreOffice itself, OFD packages laid out as GB/T 33190 describes, HEIC photos
encoded by pillow-heif.

WPS Office saves its text documents (.wps) and spreadsheets (.et) in the Word 97 and
Excel 97 binary formats (OLE compound files with a WordDocument or Workbook stream), and
LibreOffice cannot write WPS files; so a "WPS" file here is a Word 97 file LibreOffice
wrote, named .wps, and an "ET" file an Excel 97 file named .et. What they test is that
the name does not matter and that such a file is read by its content.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import openpyxl
from PIL import Image

from tests.pages import page

OFD_NS = "http://www.ofdspec.org/2016"

INCOME_PHOTO = [
    "年度收入调查表",
    "户主姓名: 刘志强",
    "家庭人口: 5人",
    "所在村: 白沙村",
    "年人均纯收入: 4100元",
    "2018年12月1日",
]
"""A phone photo's lines: 白沙村's household 刘志强's income survey."""


def soffice_convert(source: Path, target: str) -> bytes:
    """`source` converted by LibreOffice to `target` ("doc", "xls"), as a user would."""
    program = shutil.which("soffice")
    assert program, "LibreOffice is needed (make system installs it)"
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [
                program,
                f"-env:UserInstallation={Path(work, 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                work,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return Path(work, f"{source.stem}.{target}").read_bytes()


def docx_bytes(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def word97_bytes(lines: list[str]) -> bytes:
    """A Word 97 (.doc) file LibreOffice wrote from a .docx of `lines`."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "source.docx")
        source.write_bytes(docx_bytes(lines))
        return soffice_convert(source, "doc")


def excel97_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """An Excel 97 (.xls) file LibreOffice wrote from an .xlsx of `sheets`."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "source.xlsx")
        source.write_bytes(xlsx_bytes(sheets))
        return soffice_convert(source, "xls")


def _xml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}'


def ofd_bytes(pages: list[list[str]], *, leave_out: str | None = None) -> bytes:
    """A minimal OFD package (GB/T 33190-2016 chapter 7): OFD.xml → Doc_0/Document.xml →
    Pages/Page_N/Content.xml, one TextObject per line, 5 mm text from the top of an A4
    page; `leave_out` names a member to omit (a damaged package)."""
    members: dict[str, str] = {
        "OFD.xml": _xml(
            f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
            "<ofd:DocInfo><ofd:DocID>0c1d4f7a</ofd:DocID><ofd:Title>测试</ofd:Title>"
            "<ofd:CreationDate>2018-05-01</ofd:CreationDate></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        )
    }
    page_refs = []
    next_id = len(pages) + 1
    for n, lines in enumerate(pages):
        page_refs.append(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        objects = []
        for i, line in enumerate(lines):
            y = 20 + i * 9
            objects.append(
                f'<ofd:TextObject ID="{next_id}" Boundary="20 {y} 170 8" Font="{len(pages) + 100}"'
                f' Size="5"><ofd:TextCode X="0" Y="6">{escape(line)}</ofd:TextCode>'
                "</ofd:TextObject>"
            )
            next_id += 1
        members[f"Doc_0/Pages/Page_{n}/Content.xml"] = _xml(
            f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="{next_id}">'
            + "".join(objects)
            + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
        next_id += 1
    members["Doc_0/Document.xml"] = _xml(
        f'<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next_id}</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
    )
    members["Doc_0/PublicRes.xml"] = _xml(
        f'<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="{len(pages) + 100}" FontName="宋体" FamilyName="宋体"/>'
        "</ofd:Fonts></ofd:Res>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            if name != leave_out:
                zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def heic_bytes(lines: list[str], taken: dt.datetime | None = None) -> bytes:
    """A phone photo of a page of `lines` as HEIC (pillow-heif), with its EXIF date and camera."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    image = page(lines, dpi=150).convert("RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 12"  # Make, Model
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    buf = io.BytesIO()
    image.save(buf, "HEIF", quality=90, exif=exif.tobytes())
    return buf.getvalue()
