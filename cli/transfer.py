"""`dangan transfer export|verify`: packages for the county archive (BagIt)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangan.cli.common import ACTOR, archive, console, emit_json, err_console

app = typer.Typer(help="向县档案馆移交(BagIt 数据包)", no_args_is_help=True)


@app.command("export")
def export(
    village: Annotated[str, typer.Option(help="村代码或村名")],
    output: Annotated[Path, typer.Option("-o", "--output", help="新目录, 移交包写入其中")],
    year: Annotated[int | None, typer.Option(help="只移交这一年度")] = None,
) -> None:
    """写出一个村(一个年度)的移交包, 写完即按接收方的方式检测。"""
    from dangan.archive.queries import resolve_village
    from dangan.retention.transfer import export as write_package

    arc = archive()
    with arc.db.write() as session:
        done = write_package(
            arc, session, resolve_village(session, village), year, output, actor=ACTOR
        )
    console.print(
        f"移交包已写入: {done.path.resolve()}({done.items} 件, {done.byte_count} 字节)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for failure in done.failures:
        err_console.print(f"检测未通过 {failure.code}: {failure.message}", markup=False)
    if done.failures:
        raise typer.Exit(1)


@app.command("verify")
def verify(
    folder: Annotated[Path, typer.Argument(help="收到的移交包目录")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """移交环节四性检测; 有不通过项时退出码非零, 并列出每项所涉文件。"""
    from dangan.retention.transfer import verify as check_package

    results = check_package(folder)
    failures = [r for r in results if r.failed]
    if as_json:
        emit_json(
            {
                "package": str(folder.resolve()),
                "checked": len(list((folder / "data" / "metadata").glob("*.xml"))),
                "failures": [
                    {
                        "document_id": None,
                        "archival_code": r.archival_code,
                        "check": r.code,
                        "message": r.message,
                    }
                    for r in failures
                ],
                "unchecked": [
                    {"archival_code": r.archival_code, "check": r.code, "message": r.message}
                    for r in results
                    if r.outcome == "unchecked"
                ],
            }
        )
    else:
        for r in failures:
            console.print(
                f"不通过 {r.code} {r.archival_code or '(整包)'}: {r.message}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        unchecked = sorted({r.message for r in results if r.outcome == "unchecked"})
        for message in unchecked:
            console.print(f"未检测: {message}", markup=False)
        console.print("移交包检测通过" if not failures else f"{len(failures)} 项不通过")
    if failures:
        raise typer.Exit(1)
