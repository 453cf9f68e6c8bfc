"""The 归档文件目录 and box labels: real files, opened by openpyxl, LibreOffice,
pdftotext and pdftoppm."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from dangan.archive.catalog import boxes, build_catalog
from dangan.archive.errors import InputError
from dangan.archive.filing import file_document
from dangan.archive.scheme import BoxSize
from dangan.cli.main import app
from tests import factories


def _archive(arc):  # type: ignore[no-untyped-def]
    """Village 003 with a household of three items and one village item; one destroyed."""
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        made = [
            factories.document(session, arc, village_row=v, household_row=h, doc_type="H01"),
            factories.document(session, arc, village_row=v, household_row=h, doc_type="H07"),
            factories.document(
                session, arc, village_row=v, household_row=h, doc_type="H02", year=2019
            ),
            factories.document(session, arc, village_row=v, household_row=None, doc_type="V02"),
        ]
        made[1].title, made[1].title_made_up = "王建国家扶贫手册", True
        for doc in made:
            doc.pages = 2
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        made[2].status = "destroyed"
        return [d.id for d in made]


def test_rows_sections_and_remarks(arc):
    _archive(arc)
    with arc.db.read() as session:
        catalog = build_catalog(session, arc.scheme)
    (village,) = catalog.villages
    assert [r.archival_code for r in village.rows] == ["Z105-FP·2018-Y-003·CJ-0001"]
    (household,) = village.households
    assert (household.head_name, household.years, len(household.rows)) == ("王建国", "2018—2019", 3)
    rows = household.rows
    assert [r.archival_code for r in rows] == [
        "Z105-FP·2018-Y-003·017-0001",
        "Z105-FP·2018-Y-003·017-0002",
        "Z105-FP·2019-Y-003·017-0001",
    ]
    assert rows[1].title == "[王建国家扶贫手册]"
    assert rows[0].date == "20180305" and rows[0].responsible == "白沙村村民委员会"
    assert rows[2].remarks == "已销毁"
    assert catalog.journal_hash and catalog.journal_seq > 0


def test_boxes_follow_the_box_size(arc):
    _archive(arc)
    with arc.db.read() as session:
        catalog = build_catalog(session, arc.scheme)
    made = boxes(catalog, BoxSize(thickness_mm=20))
    assert [(b.household, b.year, b.items) for b in made] == [
        ("村级", 2018, "0001"),
        ("017 王建国", 2018, "0001—0002"),
        ("017 王建国", 2019, "0001"),
    ]
    # a box of 3 sheets holds one two-page item
    thin = boxes(catalog, BoxSize(thickness_mm=1))
    assert len(thin) == len(made)  # 10 sheets: still all fit
    assert [b.number for b in made] == [1, 2, 1]


def test_xlsx_opens_in_openpyxl_and_libreoffice(arc, tmp_path):
    _archive(arc)
    out = tmp_path / "目录.xlsx"
    result = CliRunner().invoke(app, ["catalog", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["说明", "003 白沙村"]
    sheet = book["003 白沙村"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2] == ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.freeze_panes == "A4"
    assert values[3][0] == "村级文件 1 件"
    assert values[4][1] == "Z105-FP·2018-Y-003·CJ-0001"
    cover = values.index(
        [
            None,
            "户主 王建国",
            "户编号 017",
            "行政村 003 白沙村",
            "年度起止 2018—2019",
            "件数 3 件",
            None,
            None,
            None,
        ]
    )
    assert [b.id for b in sheet.row_breaks.brk] == [cover]  # the household starts a page
    assert values[cover + 2][4] == "[王建国家扶贫手册]"
    assert values[cover + 3][8] == "已销毁"
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "目录.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Z105-FP·2019-Y-003·017-0001" in text and "已销毁" in text


def test_pdf_is_landscape_with_header_on_every_page(arc, tmp_path):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        for _ in range(60):
            doc = factories.document(session, arc, village_row=v, household_row=h)
            doc.pages = 1
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
    out = tmp_path / "目录.pdf"
    assert (
        CliRunner().invoke(app, ["catalog", "--village", "白沙村", "-o", str(out)]).exit_code == 0
    )
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info  # landscape: wider than tall
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    chunks = text.split("\x0c")[:pages]
    table_pages = [c for c in chunks if "Z105-FP" in c]
    assert len(table_pages) >= 2
    assert all("档号" in c and "题名" in c for c in table_pages)  # the header repeats
    assert f"第1页共{pages}页" in chunks[0].replace(" ", "")
    assert "户主" in text and "年度起止" in text and "卷内目录" in text
    assert "日志头" in text


def test_labels_pdf_and_csv_and_docx(arc, tmp_path):
    _archive(arc)
    runner = CliRunner()
    labels = tmp_path / "boxes.pdf"
    assert runner.invoke(app, ["catalog", "--labels", "-o", str(labels)]).exit_code == 0
    text = subprocess.run(["pdftotext", str(labels), "-"], capture_output=True, text=True).stdout
    text = text.replace(" ", "")  # the cover's title is letter-spaced
    for word in ("档案盒", "全宗号", "起止件号", "盒号", "备考表", "0001—0002", "已销毁"):
        assert word in text
    csv_out = tmp_path / "目录.csv"
    assert runner.invoke(app, ["catalog", "--year", "2018", "-o", str(csv_out)]).exit_code == 0
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("行政村,户编号,户主,序号,档号") and len(lines) == 4
    docx_out = tmp_path / "目录.docx"
    assert runner.invoke(app, ["catalog", "--retention", "y", "-o", str(docx_out)]).exit_code == 0
    import docx

    document = docx.Document(str(docx_out))
    assert document.sections[0].page_width > document.sections[0].page_height
    assert any("卷内目录" in p.text for p in document.paragraphs)


def test_bad_requests_name_the_reason(arc, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "-o", str(tmp_path / "x.txt")])
    assert isinstance(result.exception, InputError) and "不支持的目录格式" in str(result.exception)
    result = runner.invoke(app, ["catalog", "--retention", "D99", "-o", str(tmp_path / "x.pdf")])
    assert isinstance(result.exception, InputError) and "D99" in str(result.exception)
    result = runner.invoke(app, ["catalog", "--labels", "-o", str(tmp_path / "x.xlsx")])
    assert isinstance(result.exception, InputError) and "盒标签" in str(result.exception)


def test_a_large_pdf_is_laid_out_in_parts_and_numbered_throughout(arc, tmp_path, monkeypatch):
    from dangan.archive import catalog_print

    with arc.db.write() as session:
        v = factories.village(session, arc)
        for n in range(6):
            h = factories.household(session, v, number=f"{n + 1:03d}", head=f"户主{n}")
            for _ in range(5):
                doc = factories.document(session, arc, village_row=v, household_row=h)
                doc.pages = 1
                file_document(session, doc, arc.scheme, actor="t", store=arc.store)
    monkeypatch.setattr(catalog_print, "PART_ROWS", 10)  # 30 rows: laid out in 3 parts
    with arc.db.read() as session:
        catalog = build_catalog(session, arc.scheme)
    out = tmp_path / "目录.pdf"
    catalog_print.write_catalog(catalog, out)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    pages = [p.replace(" ", "") for p in text.split("\x0c") if p.strip()]
    # title page, then per village its own items and per household a cover and its list
    assert len(pages) == 1 + 1 + 6 * 2
    for number, page in enumerate(pages, 1):
        assert f"第{number}页共{len(pages)}页" in page
    assert sum("卷内目录" in p for p in pages) == 6
