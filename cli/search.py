"""`dangan search "QUERY" ... [--json]` and `dangan search --rebuild`."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dangan.cli.common import archive, console, emit_json, err_console
from dangan.cli.docs import STATUS_NAMES

if TYPE_CHECKING:
    from dangan.search.service import SearchService

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _rich_snippet(snippet: str) -> str:
    """The HTML snippet as rich markup: marks in bold yellow, everything else literal."""
    out, pos = [], 0
    for match in _MARK.finditer(snippet):
        out.append(escape(html.unescape(snippet[pos : match.start()])))
        out.append(f"[bold yellow]{escape(html.unescape(match.group(1)))}[/]")
        pos = match.end()
    out.append(escape(html.unescape(snippet[pos:])))
    return "".join(out)


def _rebuild(service: SearchService, quiet: bool) -> int:
    if quiet or not err_console.is_terminal:
        count = service.rebuild()
    else:
        with Progress(
            TextColumn("重建索引"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("index", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            count = service.rebuild(progress)
    return count


def search(
    query: Annotated[str, typer.Argument(help='查询, 如 "扶贫手册 村:白沙村 年度:2016-2018"')] = "",
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    household: Annotated[str | None, typer.Option(help="户编号、户主姓名或身份证号")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="文件类型代码, 如 H07")] = None,
    year: Annotated[str | None, typer.Option(help="年度, 如 2016 或 2016-2018")] = None,
    status: Annotated[str | None, typer.Option(help="filed|needs_review|all(默认: 全部)")] = None,
    limit: Annotated[int, typer.Option(help="每页条数")] = 20,
    offset: Annotated[int, typer.Option(help="从第几条开始(分页)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="从数据库重建全文索引(显示进度)")
    ] = False,
) -> None:
    """全文检索: 关键词、"短语"、OR、-排除、村/户/类型/年度筛选; 支持繁体查询。"""
    from dangan.search.service import SearchService

    arc = archive()
    service = SearchService(arc)
    try:
        if rebuild:
            count = _rebuild(service, quiet=as_json and not query)
            err_console.print(f"索引已重建({service.name}): {count} 件")
            if not query and not any((village, household, doc_type, year, status)):
                if as_json:
                    emit_json({"backend": service.name, "indexed": count})
                return
        result = service.search(
            query,
            village=village,
            household=household,
            doc_type=doc_type,
            year=year,
            status=status,
            limit=limit,
            offset=offset,
        )
        for notice in service.notices:
            err_console.print(f"[yellow]注意[/]: {escape(notice)}")
    finally:
        service.close()
    if as_json:
        emit_json(result)
        return
    _print(result, offset)


def _print(result: dict[str, Any], offset: int) -> None:
    hits = result["hits"]
    title = f"共 {result['total']} 件, 用时 {result['took_ms']} 毫秒"
    if hits:
        title += f", 显示第 {offset + 1}-{offset + len(hits)} 件"
    table = Table(
        "ID", "状态", "档号", "题名", "村", "户", "年度", "摘要", title=title, show_lines=True
    )
    for hit in hits:
        table.add_row(
            str(hit["id"]),
            STATUS_NAMES.get(hit["status"], hit["status"]),
            escape(hit["archival_code"] or ""),
            escape(hit["title"] or hit["source_name"] or ""),
            escape(hit["village"] or ""),
            escape(f"{hit['household_no']} {hit['household_head']}" if hit["household_no"] else ""),
            str(hit["year"] or ""),
            _rich_snippet(hit["snippet"]),
        )
    console.print(table)
    facets = result["facets"]
    parts = []
    for label, key in (("村", "village"), ("类型", "doc_type"), ("年度", "year")):
        values = [f"{f.get('name') or f['value']} {f['count']}" for f in facets.get(key, [])[:8]]
        if values:
            parts.append(f"{label}: " + "、".join(str(v) for v in values))
    if parts:
        console.print(escape("  ".join(parts)))
