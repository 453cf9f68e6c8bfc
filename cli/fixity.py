"""`dangan fixity`: hash stored objects again (stalest first) and verify the journal."""

from __future__ import annotations

from typing import Annotated

import typer

from dangan.cli.common import ACTOR, archive, console, emit_json, err_console


def fixity(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", min=0, help="最多运行多少秒(下次从未检查的最旧对象接着查)"),
    ] = None,
) -> None:
    """固定性检查: 重新计算存储对象的哈希, 校验操作日志; 发现改变或缺失时退出码为 6。"""
    from dangan.retention.fixity import scrub

    result = scrub(archive(), actor=ACTOR, max_seconds=max_seconds)
    if as_json:
        emit_json(result.as_json())
    else:
        for failure in result.failures:
            err_console.print(f"[red]{failure['message']}[/]", highlight=False)
        mb = result.bytes_read / 1e6
        summary = (
            f"已检查 {result.checked} 个对象({mb:.1f} MB, {result.seconds:.1f} 秒),"
            f" 尚有 {result.remaining} 个待查; 操作日志{'完整' if result.journal_ok else '有断裂'}"
        )
        if result.ok:
            console.print(f"[green]固定性检查通过[/]: {summary}", highlight=False)
        else:
            err_console.print(
                f"[red bold]固定性检查发现 {len(result.failures)} 处问题[/]: {summary}",
                highlight=False,
            )
    if not result.ok:
        raise typer.Exit(6)
