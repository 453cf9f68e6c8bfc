"""Written audit reports (`dangan audit -o`): the spreadsheet, the Word file, the HTML
page and the PDF each hold the villages, scores, deductions and findings of a report
made through the real path (`run_audit` over households, helpers and items)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.archive.errors import InputError
from dangan.audit.reports import write_report
from dangan.audit.run import run_audit
from dangan.audit.settings import load_settings
from tests import factories
from tests.test_audit_cli import dangan
from tests.test_audit_rules import TODAY, helper, household, id_number, pair
from tests.test_audit_three_way import ROUND, add

SCRIPT_HEAD = "<script>alert(1)</script>"
RULES = [
    "MISSING_ITEM",
    "ITEM_NOT_FILED",
    "ID_INVALID",
    "NO_HELPER",
    "HELPER_IS_HOUSEHOLD",
    "HELPER_OVERLOAD",
    "PAIRING_BEFORE_IDENTIFICATION",
    "HOUSEHOLD_LARGE",
    "EXIT_BELOW_LINE",
]
"""The rules this township is built to break (fixed, so that rules added later do not
change what these tests see)."""


def build_township(session: Session, arc: Archive) -> None:
    """Three villages: 白沙村 with faults of several rules, 桃园村 with a head whose name
    is markup and a helper who is a registered head, 青山村 with a complete file."""
    white = factories.village(session, arc, "003", "白沙村")
    peach = factories.village(session, arc, "004", "桃园村")
    green = factories.village(session, arc, "005", "青山村")

    def file_all(village: Any, row: Any, *codes: str, status: str = "filed") -> None:
        for code in codes or arc.scheme.required_household:
            factories.document(
                session, arc, village_row=village, household_row=row, doc_type=code
            ).status = status

    busy = helper(session, "李卫东")
    slip = id_number("19620305", "001")
    wrong_digit = slip[:17] + ("1" if slip[17] != "1" else "2")
    wang = household(session, white, "001", "王建国", id_number=wrong_digit)
    file_all(white, wang)
    li = household(session, white, "002", "李秀英", exit_year=2019, annual_income=3000)
    file_all(white, li, "H01", "H02", "H03", "H04", "H05", "H07", "H08", "H09")
    pair(session, li, busy)
    zhang = household(session, white, "003", "张三", members=7, identification_year=2016)
    file_all(white, zhang)
    pair(session, zhang, busy, dt.date(2015, 9, 1))
    for no, head in (("004", "赵四"), ("005", "钱五")):
        row = household(session, white, no, head)
        file_all(white, row)
        pair(session, row, busy)

    marked = household(session, peach, "001", SCRIPT_HEAD, id_number="43052119620305017")
    file_all(peach, marked)
    neighbour = household(session, peach, "002", "周大年", id_number=id_number("19580101", "002"))
    file_all(peach, neighbour, "H01", "H02", "H03", "H04", "H05", "H07", "H09")
    file_all(peach, neighbour, "H08", status="needs_review")
    pair(session, neighbour, helper(session, "孙海", id_number("19800101", "555", "430502")))
    pair(session, marked, helper(session, "周大年", neighbour.id_number))

    complete = household(session, green, "001", "陈平")
    file_all(green, complete)
    for text in (ROUND["公示1"], ROUND["公示2"], ROUND["公告"]):  # its round's 两公示一公告
        add(session, arc, green, None, "V05", text)
    pair(session, complete, helper(session, "吴敏", id_number("19790101", "777", "430502")))


@pytest.fixture
def report(arc: Archive) -> dict[str, Any]:
    with arc.db.write() as session:
        build_township(session, arc)
    with arc.db.read() as session:
        return run_audit(session, arc.scheme, load_settings(), rules=RULES, today=TODAY)


def messages(report: dict[str, Any], village: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["village_code"] == village]


def test_the_township_has_findings_of_several_rules(report: dict[str, Any]) -> None:
    assert {f["rule"] for f in report["findings"]} == set(RULES)
    assert [v["name"] for v in report["villages"]] == ["白沙村", "桃园村", "青山村"]
    assert messages(report, "005") == []


def test_xlsx_has_a_summary_and_a_filtered_sheet_per_village(
    report: dict[str, Any], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    path = write_report(report, tmp_path / "report.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "003 白沙村", "004 桃园村", "005 青山村"]
    summary = [c for row in book["汇总"].iter_rows(values_only=True) for c in row if c is not None]
    assert report["journal_head"]["hash"] in summary
    assert "全部村" in summary and "白沙村" in summary

    white = book["003 白沙村"]
    header = [c.value for c in white[1]]
    assert header[:5] == ["序号", "规则", "级别", "户编号", "说明"]
    assert white.freeze_panes == "A2"
    found = messages(report, "003")
    assert white.auto_filter.ref == f"A1:G{1 + len(found)}"
    column = [white.cell(row=r, column=5).value for r in range(2, 2 + len(found))]
    assert column == found
    cells = [c for row in white.iter_rows(values_only=True) for c in row if c is not None]
    score = report["scores"][0]
    assert "得分" in cells and f"{score['score']:g} / {score['max']:g}" in cells
    # every deduction below the score, with the finding's message
    deductions = [d["message"] for d in score["deductions"]]
    assert deductions and cells.count(deductions[0]) >= 2
    assert "花名册" in cells  # roster evidence in the evidence column
    assert book["005 青山村"].auto_filter.ref == "A1:G1"


def test_docx_has_a_chapter_per_village_with_score_and_findings(
    report: dict[str, Any], tmp_path: Path
) -> None:
    import docx
    from docx.oxml.ns import qn

    path = write_report(report, tmp_path / "report.docx")
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["003 白沙村", "004 桃园村", "005 青山村"]
    assert {t.style.name for t in doc.tables} == {"Table Grid"}
    text = "\n".join(p.text for p in doc.paragraphs)
    white = report["scores"][0]
    assert f"得分 {white['score']:g} / {white['max']:g}" in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert set(messages(report, "003")) <= cells
    assert any(white["deductions"][0]["message"] in c for c in cells)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # East Asian text in a Chinese font; page numbers from a PAGE field in the footer
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "第 " in section.footer.paragraphs[0].text


def test_html_escapes_every_text_and_shows_the_journal_head(
    report: dict[str, Any], tmp_path: Path
) -> None:
    path = write_report(report, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert SCRIPT_HEAD not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script") == 0
    assert report["journal_head"]["hash"] in html
    assert "北京时间" in html and "检查范围" in html
    for village in ("003 白沙村", "004 桃园村", "005 青山村"):
        assert f"<h1>{village}</h1>" in html
    assert "本村没有发现" in html  # 青山村
    assert "桑村镇档案检查报告" in html  # the township's name from the report
    named = report["households"][0]
    assert (
        f"{named['household_no']} 号户 {named['head_name'].replace('<', '&lt;').replace('>', '&gt;')}"
        in html
    )
    assert 'href="#f-003-' in html  # deductions link to the findings behind them


def test_pdf_text_is_extractable_chinese_with_page_numbers(
    report: dict[str, Any], tmp_path: Path
) -> None:
    from PIL import ImageFile
    from pypdf import PdfReader

    path = write_report(report, tmp_path / "report.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    # WeasyPrint's import lets Pillow load cut-off images; ingest must still see them
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    pages = len(PdfReader(path).pages)
    assert pages > 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "白沙村" in text and "档案检查报告" in text
    # pdftotext keeps no space between Chinese and digits, and a long line may wrap:
    # compare without whitespace
    flat = "".join(text.split())
    assert "第1页共" in flat and f"第{pages}页共{pages}页" in flat
    assert "".join(messages(report, "003")[0].split()) in flat
    assert report["journal_head"]["hash"] in flat


def test_evidence_from_an_item_names_its_archival_code_and_page(tmp_path: Path) -> None:
    report = {
        "generated_at": "2021-06-01T06:30:05+00:00",
        "scope": {"village_code": "003", "village": "白沙村", "household_no": None},
        "journal_head": {"seq": 7, "hash": "ab" * 32},
        "villages": [{"code": "003", "name": "白沙村"}],
        "rules": [{"code": "MEMBERS_MISMATCH", "title": "人口一致", "findings": 1}],
        "summary": {"error": 1, "warning": 0, "info": 0},
        "findings": [
            {
                "rule": "MEMBERS_MISMATCH",
                "severity": "error",
                "village_code": "003",
                "household_no": "017",
                "message": "=1+1 人口不一致\x0c第二页",
                "evidence": [
                    {
                        "document_id": 5,
                        "archival_code": "Z105-FP·2018-Y-003·017-0004",
                        "page": 2,
                        "excerpt": "家庭人口 5 人",
                    }
                ],
            }
        ],
        "scores": [
            {
                "village_code": "003",
                "score": 98,
                "max": 100,
                "deductions": [
                    {
                        "section": "信息系统",
                        "rule": "MEMBERS_MISMATCH",
                        "household_no": "017",
                        "points": 2,
                        "message": "=1+1 人口不一致\x0c第二页",
                    }
                ],
            }
        ],
    }
    from openpyxl import load_workbook

    sheet = load_workbook(write_report(report, tmp_path / "r.xlsx"))["003 白沙村"]
    assert sheet["E2"].value == "=1+1 人口不一致\n第二页"  # text, not a formula
    assert sheet["F2"].value == "Z105-FP·2018-Y-003·017-0004 第 2 页"
    assert sheet["G2"].value == "家庭人口 5 人"
    html = write_report(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Z105-FP·2018-Y-003·017-0004 第 2 页" in html
    assert "2021-06-01 14:30:05 北京时间" in html and "白沙村(003)" in html
    assert '<a href="#f-003-1">发现 1</a>' in html


def test_a_report_replaces_its_file_whole_and_leaves_no_temporary(
    report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dangan.audit import reports

    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "report.html"
    target.write_text("old", encoding="utf-8")

    def crash(report: dict[str, Any], out: Any) -> None:
        out.write(b"<html>half")
        raise RuntimeError("crash while writing")

    monkeypatch.setitem(reports.WRITERS, ".html", crash)
    with pytest.raises(RuntimeError):
        write_report(report, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["report.html"]


@pytest.mark.parametrize("name", ["report.txt", "report", "report.pdf.bak"])
def test_a_suffix_that_is_no_report_format_is_named(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError) as raised:
        write_report({}, tmp_path / name)
    assert name in str(raised.value) and ".xlsx" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_the_command_writes_a_pdf_and_refuses_a_txt(arc: Archive, tmp_path: Path) -> None:
    with arc.db.write() as session:
        build_township(session, arc)
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    done = dangan(
        "audit", "--village", "白沙村", *(f"--rule={r}" for r in RULES), "-o", str(target)
    )
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout
    assert target.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "白沙村" in text and "桃园村" not in text

    bad = dangan("audit", "-o", str(tmp_path / "report.txt"))
    assert bad.returncode != 0
    assert "report.txt" in bad.stderr and ".pdf" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "report.txt").exists()
