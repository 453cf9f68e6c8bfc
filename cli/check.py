"""`dangan check`: the four-property checks (四性, DA/T 70-2018)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import archive, console, emit_json, err_console

STAGES = ("filing", "transfer", "preservation")


def check(
    stage: Annotated[
        str | None, typer.Option(help="环节: filing(归档)、transfer(移交)、preservation(长期保存)")
    ] = None,
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="报告文件: .xlsx 或 .pdf")
    ] = None,
) -> None:
    """四性检测(真实性、完整性、可用性、安全性); 有不通过项时退出码非零。"""
    from dangan.archive.errors import InputError
    from dangan.archive.queries import resolve_village
    from dangan.retention.checks import run_checks

    if stage is not None and stage not in STAGES:
        raise InputError(f"没有环节 {stage}; 可用: {'、'.join(STAGES)}")
    if output is not None:
        from dangan.retention.check_report import check_target

        check_target(output)
    arc = archive()
    with arc.db.write() as session:
        scope = resolve_village(session, village) if village else None
        report = run_checks(arc, session, stage=stage, village=scope)
    if output is not None:
        from dangan.retention.check_report import write_report

        written = write_report(report, output)
        (err_console if as_json else console).print(
            f"报告已写入: {written}", markup=False, highlight=False, soft_wrap=True
        )
    if as_json:
        emit_json(report)
    elif output is None:
        table = Table("环节", "代码", "检测项", "通过", "不通过", "未检测", title="四性检测")
        for line in report["summary"]:
            table.add_row(
                line["stage_name"],
                line["check"],
                escape(line["title"]),
                str(line["passed"]),
                f"[red]{line['failed']}[/]" if line["failed"] else "0",
                str(line["unchecked"]),
            )
        console.print(table)
        for f in report["failures"][:200]:
            console.print(
                f"不通过 {f['check']} {f['archival_code'] or '(整包)'}: {f['message']}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        for u in report["unchecked"]:
            console.print(f"未检测 {u['check']}({u['count']} 项): {u['message']}", markup=False)
    if report["failures"]:
        raise typer.Exit(1)
