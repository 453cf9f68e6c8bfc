"""The `dangan` command: thin over the archive, ingest, search, audit and web packages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dangan.archive.errors import DanganError
from dangan.cli import (
    audit,
    backup,
    beat,
    catalog,
    check,
    common,
    demo,
    docs,
    fixity,
    ingest,
    journal,
    retention,
    review,
    roster,
    search,
    transfer,
    upgrade,
    users,
)

app = typer.Typer(
    help="dangan 扶贫档案管理系统",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(roster.app, name="roster")
app.add_typer(docs.app, name="docs")
app.add_typer(journal.app, name="journal")
app.add_typer(review.app, name="review")
app.add_typer(users.app, name="user")
app.add_typer(backup.app, name="backup")
app.add_typer(retention.app, name="retention")
app.add_typer(transfer.app, name="transfer")
app.command("ingest")(ingest.ingest)
app.command("worker")(ingest.worker)
app.command("beat")(beat.beat)
app.command("demo")(demo.demo)
app.command("search")(search.search)
app.command("audit")(audit.audit)
app.command("upgrade")(upgrade.upgrade)
app.command("fixity")(fixity.fixity)
app.command("catalog")(catalog.catalog)
app.command("check")(check.check)


@app.callback()
def main(
    home: Annotated[
        str | None,
        typer.Option("--home", envvar="DANGAN_HOME", help="档案库目录(默认 ./dangan-data)"),
    ] = None,
) -> None:
    common.set_home(home)


@app.command()
def init(
    home: Annotated[str | None, typer.Option("--home", help="档案库目录")] = None,
    fonds: Annotated[str, typer.Option(help="全宗号")] = "Z105",
    township: Annotated[str, typer.Option(help="乡镇名称")] = "示例乡镇",
) -> None:
    """创建档案库(已有档案库时升级其数据库结构)。"""
    from dangan.archive.context import init_archive

    arc, created = init_archive(
        home or common.home(), fonds=fonds, township=township, actor=common.ACTOR
    )
    what = "已创建全宗" if created else "全宗已存在"
    common.console.print(
        f"档案库: {arc.settings.home}\n{what}: {fonds} {township}\n数据库结构已是最新"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="后台处理进程数(默认每核一个, 0 表示不运行)")
    ] = None,
) -> None:
    """启动网页界面和 JSON 接口。"""
    import uvicorn

    from dangan.web.app import create_app

    arc = common.archive()
    common.console.print(f"dangan 已启动: http://{host}:{port}/  (Ctrl+C 退出)")
    uvicorn.run(create_app(arc, workers=workers), host=host, port=port, log_level="warning")


def run() -> None:
    """Console-script entry: a DanganError becomes its message and exit code."""
    try:
        app()
    except DanganError as exc:
        common.err_console.print(f"[red]错误[/]: {exc}", highlight=False)
        sys.exit(exc.exit_code)
