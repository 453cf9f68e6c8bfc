"""`dangan review list|file|refile`: the review queue and corrections."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dangan.cli.common import ACTOR, archive, console, emit_json

app = typer.Typer(help="待审核队列与改档", no_args_is_help=True)

TypeOpt = Annotated[str | None, typer.Option("--type", help="文件类型代码, 如 H07")]
VillageOpt = Annotated[str | None, typer.Option(help="村代码或村名")]
HouseholdOpt = Annotated[str | None, typer.Option(help="户编号")]
YearOpt = Annotated[int | None, typer.Option(help="年度")]
DateOpt = Annotated[
    str | None, typer.Option(help="文件日期 YYYY-MM-DD 或 YYYYMMDD(归档要求有日期)")
]


def _date(text: str | None):  # type: ignore[no-untyped-def]
    import datetime as dt

    from dangan.archive.errors import InputError

    if text is None:
        return None
    for form in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.strip(), form).date()
        except ValueError:
            pass
    raise InputError(f"日期应为 YYYY-MM-DD 或 YYYYMMDD: {text}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """列出待审核的文件及原因。"""
    from dangan.archive.queries import find_documents
    from dangan.archive.serialize import document_json

    arc = archive()
    with arc.db.read() as session:
        docs = find_documents(session, status="needs_review")
        rows = [
            {**document_json(d, arc.scheme), "reasons": list(d.review_reasons or [])} for d in docs
        ]
    if as_json:
        emit_json(rows)
        return
    table = Table(
        "ID", "来源", "推测类型", "村", "户", "把握", "原因", title=f"待审核 {len(rows)} 件"
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            f"{r['source_name']} {r['source_pages'] or ''}",
            r["doc_type_name"] or "",
            r["village"] or "",
            f"{r['household_no'] or ''} {r['household_head'] or ''}",
            f"{r['confidence']:.2f}" if r["confidence"] is not None else "",
            ";".join(r["reasons"]),
        )
    console.print(table)


def _targets(session, village: str | None, household: str | None):  # type: ignore[no-untyped-def]
    from dangan.archive.queries import resolve_household, resolve_village

    village_row = resolve_village(session, village) if village else None
    household_row = resolve_household(session, village_row, household) if household else None
    return village_row, household_row


@app.command("file")
def file_(
    document_id: Annotated[int, typer.Argument(help="文件 ID")],
    doc_type: TypeOpt = None,
    village: VillageOpt = None,
    household: HouseholdOpt = None,
    year: YearOpt = None,
    date: DateOpt = None,
) -> None:
    """确认(或更正)类型、村、户、日期后归档一件待审核文件。"""
    from dangan.archive.filing import review_and_file
    from dangan.archive.queries import get_document

    arc = archive()
    with arc.db.write() as session:
        doc = get_document(session, document_id)
        village_row, household_row = _targets(session, village, household)
        code = review_and_file(
            session,
            doc,
            arc.scheme,
            actor=ACTOR,
            store=arc.store,
            doc_type=doc_type,
            village=village_row,
            household=household_row,
            year=year,
            date=_date(date),
        )
    console.print(f"已归档: 文件 {document_id} → {code}")


@app.command("refile")
def refile_(
    document_id: Annotated[int, typer.Argument(help="文件 ID")],
    reason: Annotated[str, typer.Option(help="改档原因(记入日志)")],
    doc_type: TypeOpt = None,
    village: VillageOpt = None,
    household: HouseholdOpt = None,
    year: YearOpt = None,
) -> None:
    """改档: 把已归档文件移到正确的位置并给出新档号, 旧档号记入日志。"""
    from dangan.archive.filing import refile
    from dangan.archive.queries import get_document

    arc = archive()
    with arc.db.write() as session:
        doc = get_document(session, document_id)
        old = doc.archival_code
        village_row, household_row = _targets(session, village, household)
        code = refile(
            session,
            doc,
            arc.scheme,
            actor=ACTOR,
            store=arc.store,
            reason=reason,
            doc_type=doc_type,
            village=village_row,
            household=household_row,
            year=year,
        )
    console.print(f"已改档: 文件 {document_id} {old} → {code}")
