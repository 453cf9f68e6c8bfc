"""DOCX: paragraphs and tables in document order, one page for the whole document."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import docx
import pytest

from dangan.ingest.exceptions import CorruptFile, LimitExceeded
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine


def _extract(path: Path, limits: Limits | None = None):
    calls: list[tuple[int, int]] = []
    result = extract(
        path,
        path.name,
        "docx",
        get_engine(),
        limits or Limits(),
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(1, 1)]
    return result


def test_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.created = datetime(2017, 5, 10, 9, 30)
    document.add_heading("贫困户信息采集表", level=1)
    document.add_paragraph("填表日期：2017年5月10日")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["姓名", "关系", "身份证号"], ["张秀英", "户主", "430521198203154321"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = table.cell(2, 0).merge(table.cell(2, 2))  # one cell across the last row
    merged.text = "家庭人口：4人"
    table.cell(1, 2).add_table(rows=1, cols=2).cell(0, 0).text = "已核验"  # nested table
    document.add_paragraph("村委会（盖章）")
    path = tmp_path / "采集表.docx"
    document.save(path)

    result = _extract(path)
    [page] = result.pages
    assert (page.page_no, page.method, page.engine, page.confidence) == (1, "docx", None, None)
    assert page.text.splitlines() == [
        "贫困户信息采集表",
        "填表日期：2017年5月10日",
        "姓名\t关系\t身份证号",
        "张秀英\t户主\t430521198203154321 已核验",
        "家庭人口：4人",
        "村委会（盖章）",
    ]
    assert result.metadata["created"].startswith("2017-05-10T09:30:00")


def test_vertically_merged_cell_is_written_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "帮扶措施"
    table.cell(0, 1).text = "产业扶持"
    table.cell(1, 1).text = "教育资助"
    path = tmp_path / "m.docx"
    document.save(path)
    assert _extract(path).pages[0].text.splitlines() == ["帮扶措施\t产业扶持", "\t教育资助"]


def test_broken_docx_is_corrupt(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    docx.Document().save(good)
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            dst.writestr(info, data)
    with pytest.raises(CorruptFile, match=r"bad\.docx: DOCX 文件已损坏"):
        _extract(path)


def test_docx_bomb_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    docx.Document().save(good)
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("word/media/filler.bin", bytes(20 * 1024 * 1024))
    with pytest.raises(LimitExceeded, match="压缩炸弹"):
        _extract(path)


def test_text_box_is_read_once(tmp_path: Path) -> None:
    """Word writes a text box twice: as DrawingML (mc:Choice) and as VML (mc:Fallback)."""
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("正文")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>编号：017</w:t></w:r></w:p></w:txbxContent>"
    run = parse_xml(
        f'<w:r xmlns:w="{w}" xmlns:mc="{mc}"><mc:AlternateContent>'
        f"<mc:Choice Requires='wps'><w:drawing>{box}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )
    paragraph._p.append(run)
    path = tmp_path / "box.docx"
    document.save(path)
    assert _extract(path).pages[0].text == "正文编号：017"
