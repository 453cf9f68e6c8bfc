"""`dangan user add|list|passwd|token|disable|demo`: accounts for the web interface."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from dangan.archive.errors import InputError
from dangan.cli.common import ACTOR, archive, console, emit_json

app = typer.Typer(help="网页界面的用户账户", no_args_is_help=True)


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """The password from standard input, or a generated one; and whether it was generated."""
    from dangan.archive import users

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("标准输入中没有密码")
        return password, False
    return users.generate_password(), True


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option(help="角色: admin|archivist|inspector|auditor")],
    village: Annotated[
        list[str] | None,
        typer.Option("--village", help="负责的村(代码或村名), 可重复; 不给表示全部"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="姓名")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读密码(默认生成一个并显示一次)")
    ] = False,
) -> None:
    """新建用户; 未给出密码时生成一个并只显示这一次。"""
    from dangan.archive import users

    password, generated = _read_password(password_stdin)
    arc = archive()
    with arc.db.write() as session:
        account = users.create_user(
            session,
            username,
            role=role,
            password=password,
            actor=ACTOR,
            display_name=name,
            villages=village or [],
        )
    scope = "、".join(account.villages) if account.villages else "全部村"
    console.print(f"已创建用户 {account.username}({account.role_name}, {scope})")
    if generated:
        console.print(f"初始密码(只显示这一次): [bold]{password}[/]", highlight=False)


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """列出用户。"""
    from dangan.archive import users

    with archive().db.read() as session:
        rows = users.list_users(session)
    if as_json:
        emit_json([a.as_dict() for a in rows])
        return
    table = Table(
        "用户名", "姓名", "角色", "负责的村", "状态", "API 令牌", title=f"共 {len(rows)} 个用户"
    )
    for a in rows:
        table.add_row(
            a.username,
            a.display_name,
            a.role_name,
            "、".join(a.villages) or "全部",
            "启用" if a.active else "停用",
            "有" if a.has_token else "",
        )
    console.print(table)


@app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读新密码(默认生成一个)")
    ] = False,
) -> None:
    """重设用户密码(该用户已登录的会话随即失效)。"""
    from dangan.archive import users

    password, generated = _read_password(password_stdin)
    with archive().db.write() as session:
        users.set_password(session, username, password, actor=ACTOR)
    console.print(f"已重设 {username} 的密码")
    if generated:
        console.print(f"新密码(只显示这一次): [bold]{password}[/]", highlight=False)


@app.command("token")
def token(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """为用户签发 API 令牌(旧令牌失效), 只显示这一次。"""
    from dangan.archive import users

    with archive().db.write() as session:
        value = users.issue_token(session, username, actor=ACTOR)
    console.print(f"{username} 的 API 令牌(只显示这一次):")
    console.print(value, highlight=False, soft_wrap=True)


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """停用用户(其会话和 API 令牌随即失效)。"""
    from dangan.archive import users

    with archive().db.write() as session:
        users.update_user(session, username, actor=ACTOR, active=False)
    console.print(f"已停用用户 {username}")


@app.command("demo")
def demo() -> None:
    """演示用: 为每个角色建一个账户(已有则重设密码), 并显示密码。"""
    from dangan.archive import users

    with archive().db.write() as session:
        rows = users.demo_accounts(session, actor=ACTOR)
    table = Table("用户名", "角色", "密码", title="演示账户(密码只显示这一次)")
    for username, role_name, password in rows:
        table.add_row(username, role_name, password)
    console.print(table)
