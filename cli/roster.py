"""`dangan roster import`: the household roster (花名册)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangan.cli.common import ACTOR, archive, console, emit_json, err_console

app = typer.Typer(help="花名册(建档立卡户)导入", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="花名册 .xlsx 或 .csv")],
    fonds: Annotated[str | None, typer.Option(help="全宗号(档案库有多个全宗时必填)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """导入或更新花名册; 有问题的行逐行报告, 其余行照常导入。"""
    from dangan.archive.roster import import_roster

    arc = archive()
    with arc.db.write() as session:
        report = import_roster(session, arc.township(session, fonds), file, actor=ACTOR)
    if as_json:
        emit_json(report.as_dict())
    else:
        console.print(
            f"[bold]{report.source}[/]: 共 {report.rows} 行, 新增 {report.created} 户, "
            f"更新 {report.updated} 户, 未变 {report.unchanged} 户, 新建村 {report.villages_created} 个"
        )
        for issue in report.warnings:
            err_console.print(f"[yellow]提示[/] {file.name} {issue}")
        for issue in report.errors:
            err_console.print(f"[red]未导入[/] {file.name} {issue}")
    if report.errors:
        raise typer.Exit(1)
