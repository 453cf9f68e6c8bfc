"""`dangan journal verify`: check the hash chain of the journal."""

from __future__ import annotations

from typing import Annotated

import typer

from dangan.cli.common import archive, console, emit_json, err_console

app = typer.Typer(help="操作日志(哈希链)", no_args_is_help=True)


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    anchor: Annotated[
        str | None, typer.Option("--anchor", help="打印的报告上的日志头哈希: 核对它仍在链中")
    ] = None,
) -> None:
    """校验操作日志的哈希链: 发现被修改、删除或截断的事件, 或锚点不在链中时退出码为 6。"""
    from dangan.archive import journal

    with archive().db.read() as session:
        count, problems = journal.verify(session)
        found = journal.find_anchor(session, anchor) if anchor else None
    if anchor and found is None:
        problems.append(journal.Problem(0, f"锚点 {anchor} 不在操作日志中(日志被改写或截断)"))
    if as_json:
        emit_json(
            {
                "events": count,
                "ok": not problems,
                "problems": [p.__dict__ for p in problems],
                "anchor": {"seq": found.seq, "at": found.at.isoformat()} if found else None,
            }
        )
    elif problems:
        for p in problems:
            err_console.print(f"[red]第 {p.seq} 条[/]: {p.reason}")
        err_console.print(f"[red bold]日志校验失败[/]: {len(problems)} 处问题, 共 {count} 条事件")
    else:
        console.print(f"[green]日志完整[/]: {count} 条事件, 哈希链无断裂")
        if found is not None:
            console.print(
                f"锚点为第 {found.seq} 条事件({found.at:%Y-%m-%d %H:%M:%S} UTC), 仍在链中"
            )
    if problems:
        raise typer.Exit(6)
