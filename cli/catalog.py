"""`dangan catalog`: the 归档文件目录 (DA/T 22-2015) and the box labels, as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangan.cli.common import archive, console


def catalog(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="目录文件, 格式按后缀: .xlsx .csv .docx .pdf"),
    ],
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    household: Annotated[
        str | None, typer.Option(help="户编号(多个村有同一编号时同时给出 --village)")
    ] = None,
    year: Annotated[int | None, typer.Option(help="年度")] = None,
    retention: Annotated[str | None, typer.Option(help="保管期限代码: Y、D30、D10")] = None,
    labels: Annotated[
        bool, typer.Option("--labels", help="打印档案盒封面、盒脊和备考表(PDF), 而不是目录")
    ] = False,
) -> None:
    """归档文件目录(按村、按户分节)或档案盒标签。"""
    from dangan.archive import catalog_print
    from dangan.archive.catalog import boxes, build_catalog, resolve_scope
    from dangan.archive.errors import InputError
    from dangan.archive.printing import check_target

    if labels:
        if household is not None:
            raise InputError("盒标签按村、年度打印(盒号在村内编排), 不能只打印一户")
        check_target(output, (".pdf",), "盒标签")
    else:
        catalog_print.check_target(output)  # a wrong suffix or folder fails first
    arc = archive()
    scheme = arc.scheme
    with arc.db.read() as session:
        scope = resolve_scope(
            session, scheme, village=village, household=household, year=year, retention=retention
        )
        made = build_catalog(session, scheme, scope)
    if labels:
        packed = boxes(made, scheme.box)
        written = catalog_print.write_labels(made, packed, scheme.box, output)
        console.print(
            f"盒标签已写入: {written}({len(packed)} 盒, {made.count} 件)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    written = catalog_print.write_catalog(made, output)
    console.print(
        f"目录已写入: {written}({made.count} 件, {len(made.villages)} 个村)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
