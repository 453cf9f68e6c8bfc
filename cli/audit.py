"""`dangan audit`: completeness and data-quality findings, per village and household."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import archive, console, emit_json, err_console

SEVERITY_NAMES = {"error": "问题", "warning": "提示", "info": "说明"}


def audit(
    village: Annotated[str | None, typer.Option(help="村代码或村名")] = None,
    household: Annotated[
        str | None, typer.Option(help="户编号(多个村有同一编号时同时给出 --village)")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="只检查这些规则代码, 可重复")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="把报告写入文件, 格式按后缀: .xlsx .docx .pdf .html"),
    ] = None,
) -> None:
    """档案检查: 一户一档完整性与数据质量。发现问题时退出码仍为 0(问题即输出)。"""
    from dangan.audit.run import resolve_scope, run_audit
    from dangan.audit.scores import load_rubric
    from dangan.audit.settings import load_settings

    if output is not None:
        from dangan.audit.reports import check_target

        check_target(output)  # a wrong suffix or folder fails before the audit runs
    arc = archive()
    with arc.db.read() as session:
        scope = resolve_scope(session, village, household)
        report = run_audit(
            session,
            arc.scheme,
            load_settings(arc.settings.home),
            scope,
            [code.strip().upper() for code in rule] if rule else None,
            rubric=load_rubric(arc.settings.home),
        )
    if output is not None:
        from dangan.audit.evidence_images import with_signature_crops
        from dangan.audit.reports import write_report

        with arc.db.read() as session:
            pictured = with_signature_crops(session, arc.store, report)
        written = write_report(pictured, output)
        # with --json the JSON alone goes to standard output
        (err_console if as_json else console).print(
            f"报告已写入: {written}", markup=False, highlight=False, soft_wrap=True
        )
        if not as_json:
            return
    if as_json:
        emit_json(report)
        return
    findings = report["findings"]
    table = Table("规则", "级别", "村", "户", "说明", title=f"档案检查: {len(findings)} 条发现")
    for f in findings:
        table.add_row(
            f["rule"],
            SEVERITY_NAMES[f["severity"]],
            f["village_code"],
            f["household_no"] or "",
            escape(f["message"]),
        )
    console.print(table)
    names = {v["code"]: v["name"] for v in report["villages"]}
    for score in report["scores"]:
        console.print(
            f"{names[score['village_code']]}: 得分 {score['score']:g} / {score['max']:g}"
            f"(扣分 {len([d for d in score['deductions'] if d['points']])} 项)"
        )
    counts = report["summary"]
    console.print(
        "  ".join(f"{SEVERITY_NAMES[s]} {n}" for s, n in counts.items())
        + f"    生成于 {report['generated_at']}, 日志头 {report['journal_head']['seq']}:"
        f"{report['journal_head']['hash'][:16]}"
    )
