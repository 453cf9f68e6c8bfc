"""`dangan backup create | verify | restore`: keep the archive against a dead disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from dangan.cli.common import ACTOR, console, emit_json, err_console, home

app = typer.Typer(help="备份、校验和恢复档案库", no_args_is_help=True)


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _staged(bar: Progress):  # type: ignore[no-untyped-def]
    """A progress callback showing one bar per stage."""
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return update


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


@app.command("create")
def create(
    output: Annotated[Path, typer.Option("-o", "--output", help="备份目录(移动硬盘或网络路径)")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """备份档案库: 数据库快照、全部文件和配置, 附 SHA-256 清单; 已备份的文件不再复制。"""
    from dangan.archive.context import open_archive
    from dangan.retention.backup import create_backup

    # An archive waiting for `dangan upgrade` is exactly one to back up first.
    arc = open_archive(home(), check_schema=False)
    try:
        with _bar() as bar:
            result = create_backup(arc, output, actor=ACTOR, progress=_staged(bar))
    finally:
        arc.close()
    if as_json:
        emit_json({k: v for k, v in result.__dict__.items() if k != "problems"})
        return
    lines = [
        f"[green]备份完成[/]: {escape(str(result.target))}  快照 {result.snapshot}",
        f"  数据库: {result.database}(结构版本 {result.schema_revision}), "
        f"操作日志 {result.journal_seq} 条",
        f"  文件: 共 {result.objects} 个({_mb(result.bytes_total)}), "
        f"本次复制 {result.objects_copied} 个({_mb(result.bytes_copied)})"
        + (
            f", 其余 {result.objects - result.objects_copied} 个已在备份中"
            if result.objects_copied < result.objects
            else ""
        ),
        f"  用时 {result.seconds:.1f} 秒",
    ]
    if not result.recorded:
        lines.append(
            "  [yellow]注意[/]: 数据库结构尚未升级, 本次备份未记入档案库(升级后再备份一次)"
        )
    console.print("\n".join(lines), highlight=False)


@app.command("verify")
def verify(
    folder: Annotated[Path, typer.Argument(help="备份目录")],
    snapshot: Annotated[str | None, typer.Option(help="快照名(默认最新的一个)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """校验备份: 清单中每个文件都在且 SHA-256 相符, 操作日志哈希链完整; 有问题时退出码为 6。"""
    from dangan.retention.backup_verify import verify_backup

    with _bar() as bar:
        task = bar.add_task("校验文件", total=None)
        result = verify_backup(
            folder, snapshot, lambda done, total: bar.update(task, completed=done, total=total)
        )
    if as_json:
        emit_json(
            {
                "snapshot": result.snapshot,
                "created_at": result.created_at,
                "schema_revision": result.schema_revision,
                "checked": result.checked,
                "bytes": result.bytes,
                "journal_events": result.journal_events,
                "ok": result.ok,
                "problems": [p.__dict__ for p in result.problems],
            }
        )
    elif result.problems:
        for p in result.problems:
            err_console.print(f"[red]{escape(p.what)}[/]: {escape(p.message)}", highlight=False)
        err_console.print(
            f"[red bold]备份校验失败[/]: {len(result.problems)} 处问题 "
            f"(快照 {result.snapshot}, 共 {result.checked} 个文件)",
            highlight=False,
        )
    else:
        console.print(
            f"[green]备份完好[/]: 快照 {result.snapshot}({result.created_at}), "
            f"{result.checked} 个文件({_mb(result.bytes)})与清单相符, "
            f"操作日志 {result.journal_events} 条, 哈希链无断裂",
            highlight=False,
        )
    if result.problems:
        raise typer.Exit(6)


@app.command("restore")
def restore(
    folder: Annotated[Path, typer.Argument(help="备份目录")],
    new_home: Annotated[Path, typer.Option("--home", help="恢复到的档案库目录(应为空)")],
    force: Annotated[bool, typer.Option("--force", help="覆盖非空目录中的档案库")] = False,
    snapshot: Annotated[str | None, typer.Option(help="快照名(默认最新的一个)")] = None,
) -> None:
    """从备份恢复档案库: 逐个校验哈希, 升级数据库结构, 重建全文索引。"""
    from dangan.archive.context import open_archive
    from dangan.retention.restore import restore_backup
    from dangan.search.service import SearchService

    with _bar() as bar:
        result = restore_backup(
            folder, new_home, actor=ACTOR, force=force, snapshot=snapshot, progress=_staged(bar)
        )
    arc = open_archive(result.home)
    service = SearchService(arc)
    try:
        with _bar() as bar:
            task = bar.add_task("重建索引", total=None)
            indexed = service.rebuild(lambda d, t: bar.update(task, completed=d, total=t))
    finally:
        service.close()
        arc.close()
    upgraded = (
        f", 数据库结构已由 {result.from_revision} 升级到 {result.to_revision}"
        if result.from_revision != result.to_revision
        else f", 数据库结构版本 {result.to_revision}"
    )
    console.print(
        f"[green]恢复完成[/]: {escape(str(result.home))}(快照 {result.snapshot})\n"
        f"  文件 {result.objects} 个({_mb(result.bytes)}), 哈希全部相符\n"
        f"  档案条目 {result.documents} 件, 操作日志 {result.journal_events} 条{upgraded}\n"
        f"  全文索引已重建: {indexed} 件",
        highlight=False,
    )
