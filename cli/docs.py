"""`dangan docs list|show`: items in the archive."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dangan.cli.common import archive, console, emit_json

app = typer.Typer(help="档案文件查询", no_args_is_help=True)

STATUS_NAMES = {
    "queued": "排队中",
    "processing": "处理中",
    "needs_review": "待审核",
    "filed": "已归档",
    "failed": "失败",
    "destroyed": "已销毁",
}


@app.command("list")
def list_(
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    household: Annotated[str | None, typer.Option(help="户编号")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="文件类型代码, 如 H07")] = None,
    status: Annotated[str | None, typer.Option(help="状态: " + "|".join(STATUS_NAMES))] = None,
    limit: Annotated[int | None, typer.Option(help="最多列出多少条")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """列出档案文件, 可按村、户、类型、状态筛选。"""
    from dangan.archive.queries import find_documents
    from dangan.archive.serialize import document_json

    arc = archive()
    with arc.db.read() as session:
        docs = find_documents(
            session,
            village=village,
            household=household,
            doc_type=doc_type,
            status=status,
            limit=limit,
        )
        rows = [document_json(d, arc.scheme) for d in docs]
    if as_json:
        emit_json(rows)
        return
    table = Table("ID", "档号", "题名", "类型", "村", "户", "状态", title=f"共 {len(rows)} 件")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["archival_code"] or "",
            r["title"] or r["source_name"],
            r["doc_type_name"] or "",
            r["village"] or "",
            f"{r['household_no']} {r['household_head']}" if r["household_no"] else "",
            STATUS_NAMES.get(r["status"], r["status"]),
        )
    console.print(table)


@app.command("show")
def show(
    document_id: Annotated[int, typer.Argument(help="文件 ID")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """显示一件档案及其识别文本。"""
    from dangan.archive.queries import get_document
    from dangan.archive.serialize import document_json

    arc = archive()
    with arc.db.read() as session:
        data = document_json(get_document(session, document_id), arc.scheme, with_text=True)
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if key != "text":
            console.print(f"[bold]{key}[/]: {value if value is not None else ''}")
    console.print("\n" + (data["text"] or "(无文本)"), markup=False)
