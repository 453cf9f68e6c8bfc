"""`dangan retention status|hold|release|propose|extend|approve|reject|destroy`.

Steps that need a second person act for dangan users (common.Credentials): the
proposer, the approver and the two witnesses each confirm with their own password
or token, and the journal names them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from dangan.cli.common import (
    ACTOR,
    AS_HELP,
    STDIN_HELP,
    Credentials,
    archive,
    console,
    emit_json,
)

app = typer.Typer(help="保管期限、冻结、鉴定与销毁", no_args_is_help=True)

AsUser = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help=STDIN_HELP)]
Reason = Annotated[str, typer.Option("--reason", help="原因(记入日志)")]


def _today() -> dt.date:
    return dt.date.today()


@app.command("status")
def status(
    due: Annotated[bool, typer.Option("--due", help="只列出保管期限已满的文件")] = False,
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """列出已归档文件的保管期限、到期日、冻结和是否可销毁。"""
    from dangan.retention.periods import item_statuses

    arc = archive()
    with arc.db.read() as session:
        rows = [
            s.as_json()
            for s in item_statuses(
                session, arc.scheme, today=_today(), village=village, due_only=due
            )
        ]
    if as_json:
        emit_json(rows)
        return
    destroyable = sum(r["destroyable"] for r in rows)
    held = sum(bool(r["holds"]) for r in rows)
    table = Table(
        "ID",
        "档号",
        "保管期限",
        "年度",
        "可销毁日期",
        "冻结",
        "可销毁",
        title=f"共 {len(rows)} 件, 可销毁 {destroyable} 件, 冻结 {held} 件",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["archival_code"] or "",
            arc.scheme.retention_names.get(r["retention"], r["retention"]),
            str(r["year"] or ""),
            r["due"] or "永久",
            "; ".join(f"#{h['id']} {h['reason']}" for h in r["holds"]),
            "是" if r["destroyable"] else "",
        )
    console.print(table)


@app.command("hold")
def hold(
    ids: Annotated[list[int] | None, typer.Argument(help="文件 ID")] = None,
    village: Annotated[str | None, typer.Option(help="冻结整个村(代码或村名)")] = None,
    household: Annotated[str | None, typer.Option(help="冻结一户(户编号)")] = None,
    reason: Reason = "",
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """冻结(检查、争议、待移交): 冻结中的文件不能进入任何销毁步骤。"""
    from dangan.retention.access import check_role
    from dangan.retention.holds import describe, place_holds

    arc = archive()
    account = Credentials(as_user, password_stdin).optional_actor(arc)
    if account is not None:
        check_role(account, "retention_hold")
    with arc.db.write() as session:
        holds = place_holds(
            session,
            actor=account.username if account else ACTOR,
            account=account,
            reason=reason,
            document_ids=ids or None,
            village=village,
            household=household,
        )
        lines = [f"已冻结 #{h.id}: {describe(h)['what']}({h.reason})" for h in holds]
    for line in lines:
        console.print(line, highlight=False)


@app.command("release")
def release(
    hold_id: Annotated[int, typer.Argument(help="冻结编号")],
    reason: Reason = "",
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """解除冻结。"""
    from dangan.retention.access import check_role
    from dangan.retention.holds import describe, release_hold

    arc = archive()
    account = Credentials(as_user, password_stdin).optional_actor(arc)
    if account is not None:
        check_role(account, "retention_hold")
    with arc.db.write() as session:
        row = release_hold(
            session,
            hold_id,
            actor=account.username if account else ACTOR,
            reason=reason,
            account=account,
        )
        what = describe(row)["what"]
    console.print(f"已解除冻结 #{hold_id}: {what}", highlight=False)


def _print_list(data: dict[str, Any]) -> None:
    table = Table(
        "序号",
        "题名",
        "年度",
        "档号",
        "应保管期限",
        "已保管期限",
        "页数",
        "状态",
        "备注",
        title=f"销毁清册 {data['number']}(编号 {data['id']}, {data['status_name']})",
    )
    for i in data["items"]:
        table.add_row(
            str(i["position"]),
            i["title"],
            str(i["year"]),
            i["archival_code"],
            i["retention_name"],
            f"{i['years_kept']} 年",
            str(i["pages"]),
            i["status_name"],
            i["remarks"] or "",
        )
    console.print(table)


def _write_list(arc: Any, list_id: int, output: Path) -> None:
    from dangan.archive.errors import InputError
    from dangan.retention.disposal import report_file

    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("xlsx", "docx", "pdf"):
        raise InputError(f"{output}: 销毁清册的文件后缀应为 .xlsx、.docx 或 .pdf")
    if not output.parent.is_dir():
        raise InputError(f"{output}: 目录 {output.parent} 不存在")
    sha256, _name, _media = report_file(arc, list_id, suffix)
    try:
        output.write_bytes(arc.store.read_bytes(sha256, verify=True))
    except OSError as exc:
        raise InputError(f"{output}: 无法写入: {exc.strerror or exc}") from exc
    console.print(f"已写出销毁清册: {output}", highlight=False)


@app.command("propose")
def propose(
    village: Annotated[str | None, typer.Option(help="只列本村(代码或村名)")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="写出清册: list.xlsx|.docx|.pdf")
    ] = None,
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """鉴定小组提出销毁清册(草稿): 列出到期、未冻结、非永久的文件, 待另一人批准。"""
    from dangan.retention import disposal

    arc = archive()
    account = Credentials(as_user, password_stdin).actor(arc)
    data = disposal.propose(arc, account, village=village, today=_today())
    _print_list(data)
    console.print(f"待批准: dangan retention approve {data['id']} --as 批准人 --password-stdin")
    if output is not None:
        _write_list(arc, data["id"], output)


@app.command("extend")
def extend(
    document_id: Annotated[int, typer.Argument(help="文件 ID")],
    years: Annotated[int, typer.Option("--years", help="延长的年数")],
    reason: Reason = "",
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """延长保管: 文件的保管期限延长 N 年, 并移出其所在的待批准清册。"""
    from dangan.retention import disposal

    arc = archive()
    account = Credentials(as_user, password_stdin).optional_actor(arc)
    data = disposal.extend(
        arc,
        account,
        document_id,
        years=years,
        reason=reason,
        actor=account.username if account else ACTOR,
        today=_today(),
    )
    console.print(f"已延长保管 {data['archival_code']}: {years} 年", highlight=False)


@app.command("approve")
def approve(
    list_id: Annotated[int, typer.Argument(help="销毁清册编号")],
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """单位负责人批准销毁清册(须与提出人不是同一人)。"""
    from dangan.retention import disposal

    arc = archive()
    account = Credentials(as_user, password_stdin).actor(arc)
    data = disposal.approve(arc, account, list_id, today=_today())
    console.print(f"已批准销毁清册 {data['number']}({account.username})", highlight=False)


@app.command("reject")
def reject(
    list_id: Annotated[int, typer.Argument(help="销毁清册编号")],
    reason: Reason = "",
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """驳回销毁清册, 清册就此结束(文件继续保管)。"""
    from dangan.retention import disposal

    arc = archive()
    account = Credentials(as_user, password_stdin).actor(arc)
    data = disposal.reject(arc, account, list_id, reason=reason, today=_today())
    console.print(f"已驳回销毁清册 {data['number']}: {reason}", highlight=False)


@app.command("destroy")
def destroy(
    list_id: Annotated[int, typer.Argument(help="销毁清册编号")],
    witness: Annotated[
        list[str], typer.Option("--witness", help="监销人用户名(两人, 不能是提出人)")
    ],
    as_user: AsUser = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """按已批准的清册销毁: 两名监销人各自确认; 删除原件、文字和索引, 保留目录和清册。"""
    from dangan.retention import disposal
    from dangan.search.service import index_changed

    arc = archive()
    credentials = Credentials(as_user, password_stdin)
    account = credentials.actor(arc)
    witnesses = credentials.witnesses(arc, witness)
    done = disposal.destroy(arc, account, list_id, witnesses=witnesses, today=_today())
    index_changed(arc, done.destroyed_ids)
    console.print(
        f"已按销毁清册 {done.list['number']} 销毁 {len(done.destroyed_ids)} 件,"
        f" 监销人: {'、'.join(done.list['witnesses'])}",
        highlight=False,
    )
    if done.kept:
        console.print(
            f"{len(done.kept)} 个原扫描件含仍在保管的文件, 原件保留(本件的文字和索引已删除)"
        )
