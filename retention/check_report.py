"""The four-property check report (`run_checks`' dict) as a spreadsheet or an A4 PDF:
the summary per stage and check, then every failure with its item, then what could not
be checked and why. Both print when they were made and the journal's head."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from dangan.archive import printing
from dangan.archive.four_properties import OUTCOMES
from dangan.archive.print_xlsx import header, print_setup, put

TEMPLATES = Path(__file__).with_name("templates")
SUMMARY = ("环节", "代码", "性质", "检测项", "通过", "不通过", "未检测")
FAILURES = ("环节", "代码", "档号", "文件 ID", "说明")
STAGE_NAMES = {"filing": "归档", "transfer": "移交", "preservation": "长期保存"}


def _facts(report: dict[str, Any]) -> list[tuple[str, str]]:
    head = report["journal_head"]
    return [
        ("生成时间", printing.china_time(report["generated_at"])),
        ("范围", report["scope"]),
        ("环节", "、".join(STAGE_NAMES[s] for s in report["stages"])),
        ("检测文件", f"{report['checked']} 件"),
        ("不通过", f"{len(report['failures'])} 项"),
        ("日志头", f"{head['seq']}:{head['hash']}"),
    ]


def write_xlsx(report: dict[str, Any], out: BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = "汇总"
    put(ws, 1, 1, "四性检测报告(DA/T 70-2018)").font = Font(bold=True, size=16)
    row = 2
    for key, value in _facts(report):
        row += 1
        put(ws, row, 1, key).font = Font(bold=True)
        put(ws, row, 2, value)
    row += 2
    header(ws, row, SUMMARY)
    for line in report["summary"]:
        row += 1
        values = (
            line["stage_name"],
            line["check"],
            line["property"],
            line["title"],
            line["passed"],
            line["failed"],
            line["unchecked"],
        )
        for column, value in enumerate(values, 1):
            put(ws, row, column, value)
    for letter, width in zip("ABCDEFG", (10, 8, 8, 50, 8, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width
    print_setup(ws)
    failures = book.create_sheet("不通过")
    header(failures, 1, FAILURES)
    for n, f in enumerate(report["failures"], 2):
        values = (
            STAGE_NAMES[f["stage"]],
            f["check"],
            f["archival_code"] or "(整包)",
            f["document_id"],
            printing.clean(f["message"]),
        )
        for column, value in enumerate(values, 1):
            put(failures, n, column, value)
    failures.print_title_rows = "1:1"
    for letter, width in zip("ABCDE", (10, 8, 32, 8, 80), strict=True):
        failures.column_dimensions[letter].width = width
    print_setup(failures)
    unchecked = book.create_sheet("未检测")
    header(unchecked, 1, ("环节", "代码", "原因", "项数"))
    for n, u in enumerate(report["unchecked"], 2):
        for column, value in enumerate(
            (STAGE_NAMES[u["stage"]], u["check"], u["message"], u["count"]), 1
        ):
            put(unchecked, n, column, value)
    print_setup(unchecked)
    book.save(out)


def render_html(report: dict[str, Any]) -> str:
    return (
        printing.templates(TEMPLATES)
        .get_template("checks.html")
        .render(r=report, facts=_facts(report), stages=STAGE_NAMES, outcomes=OUTCOMES)
    )


def write_pdf(report: dict[str, Any], out: BinaryIO) -> None:
    printing.write_pdf(render_html(report), out)


WRITERS = {".xlsx": write_xlsx, ".pdf": write_pdf}


def check_target(path: Path) -> None:
    printing.check_target(path, tuple(WRITERS), "报告")


def write_report(report: dict[str, Any], path: Path) -> Path:
    writer = WRITERS[printing.check_target(path, tuple(WRITERS), "报告")]
    return printing.write_atomically(path, lambda out: writer(report, out), "报告")
