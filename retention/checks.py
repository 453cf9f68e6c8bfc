"""`dangan check`: the four-property checks (四性, DA/T 70-2018) of the archive at the
three moments the standard names, each result recorded per item with its date.

- filing (归档): every filed item again, as filing checked it (fixity, metadata, 档号,
  件号 without gaps, the file's format, encryption, executable content, viruses);
- transfer (移交): every package written from here that is still on this machine,
  checked as its receiver would (retention.transfer.verify);
- preservation (长期保存): every catalog row still has its file (2-3), and the fixity
  scrub (1-5) and a restorable backup (4-5) from preservation_sources.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.codes import pattern
from dangan.archive.context import Archive
from dangan.archive.filing import former_items
from dangan.archive.four_properties import (
    CHECKS,
    PROPERTIES,
    STAGES,
    Metadata,
    Result,
    file_checks,
    metadata_checks,
    record,
)
from dangan.archive.models import Document, Transfer, Village, utcnow
from dangan.archive.renditions import kept_file
from dangan.retention.preservation_sources import latest_backup, latest_fixity
from dangan.retention.transfer import verify

NOT_YET = "未检测({})"


def _items(session: Session, village: Village | None, statuses: tuple[str, ...]) -> list[Document]:
    query = select(Document).where(
        Document.archival_code.is_not(None), Document.status.in_(statuses)
    )
    if village is not None:
        query = query.where(Document.village_id == village.id)
    return list(session.scalars(query.order_by(Document.code_group, Document.item_no)))


def filing_stage(arc: Archive, session: Session, village: Village | None) -> list[Result]:
    scheme = arc.scheme
    rule = pattern(scheme.code_template)
    docs = _items(session, village, ("filed",))
    results: list[Result] = []
    by_file: dict[str, list[Result]] = {}
    groups: dict[str, list[Document]] = {}
    for doc in docs:
        code = doc.archival_code
        assert code is not None
        groups.setdefault(doc.code_group or "", []).append(doc)
        sha = doc.file.sha256
        if sha not in by_file:
            if arc.store.exists(sha):
                found = [
                    Result("1-1", "passed", f"SHA-256 {sha}")
                    if arc.store.verify(sha)
                    else Result("1-1", "failed", "原件与其 SHA-256 摘要不符(被改动)")
                ]
                kept = kept_file(session, doc.file)
                found += file_checks(
                    arc.store.path(kept.sha256),
                    kept.media_type,
                    original=arc.store.path(sha) if kept is not doc.file else None,
                )
            else:
                found = [Result("1-1", "failed", "存储中缺少原件")]
            by_file[sha] = found
        results += [Result(r.code, r.outcome, r.message, doc.id, code) for r in by_file[sha]]
        results.append(
            Result("1-3", "passed", "", doc.id, code)
            if rule.match(code)
            else Result("1-3", "failed", f"档号不符合编制规则 {scheme.code_template}", doc.id, code)
        )
        meta = Metadata(
            code,
            doc.title,
            doc.date,
            doc.year,
            doc.responsible,
            doc.retention,
            doc.doc_number,
            doc.secret_level,
            doc.pages or None,
        )
        results += metadata_checks(meta, scheme.retention_names, document_id=doc.id)
    held = {
        group: set(session.scalars(select(Document.item_no).where(Document.code_group == group)))
        | former_items(session, group)
        for group in groups
    }
    for group, members in groups.items():
        numbers = held[group]
        gaps = sorted(set(range(1, max(numbers) + 1)) - numbers)
        for doc in members:
            results.append(
                Result(
                    "2-2",
                    "failed",
                    f"组 {group} 缺件号 {', '.join(map(str, gaps[:10]))}",
                    doc.id,
                    doc.archival_code,
                )
                if gaps
                else Result("2-2", "passed", "", doc.id, doc.archival_code)
            )
    return results


def transfer_stage(session: Session, village: Village | None) -> list[Result]:
    query = select(Transfer).order_by(Transfer.id)
    if village is not None:
        query = query.where(Transfer.village_id == village.id)
    results: list[Result] = []
    codes = dict(session.execute(select(Document.archival_code, Document.id)).all())
    for transfer in session.scalars(query):
        folder = Path(transfer.path)
        if not folder.is_dir():
            results.append(Result("2-4", "unchecked", NOT_YET.format(f"移交包 {folder} 不在本机")))
            continue
        found = verify(folder)
        results += [
            Result(
                r.code,
                r.outcome,
                f"移交包 {transfer.id}: {r.message}",
                codes.get(r.archival_code),
                r.archival_code,
            )
            for r in found
        ]
        if not any(r.failed for r in found):
            results.append(Result("2-4", "passed", f"移交包 {transfer.id} {folder} 检测通过"))
    return results


def preservation_stage(arc: Archive, session: Session, village: Village | None) -> list[Result]:
    results = []
    for doc in _items(session, village, ("filed",)):
        results.append(
            Result("2-3", "passed", "", doc.id, doc.archival_code)
            if arc.store.exists(doc.file.sha256)
            else Result(
                "2-3", "failed", "目录中有条目而存储中没有其原件", doc.id, doc.archival_code
            )
        )
    fixity = latest_fixity(session)
    if fixity is None:
        results.append(Result("1-5", "unchecked", NOT_YET.format("尚无定期固化信息核验记录")))
    else:
        results += [Result("1-5", "failed", m, i, c) for i, c, m in fixity.failures]
        if not fixity.failures:
            results.append(
                Result("1-5", "passed", f"{fixity.finished_at:%Y-%m-%d} 核验 {fixity.checked} 件")
            )
    backup = latest_backup(session)
    results.append(
        Result("4-5", "unchecked", NOT_YET.format("尚无可恢复的备份记录"))
        if backup is None
        else Result("4-5", "passed", f"{backup.made_at:%Y-%m-%d} 备份于 {backup.where}")
    )
    return results


def run_checks(
    arc: Archive, session: Session, *, stage: str | None = None, village: Village | None = None
) -> dict[str, Any]:
    """Runs the checks of `stage` (all three when None) on `village` (all when None),
    records every result, and returns the report (`{checked, failures, ...}`)."""
    stages = [stage] if stage else list(STAGES)
    moment = utcnow()
    found: list[tuple[str, Result]] = []
    for name in stages:
        if name == "filing":
            results = filing_stage(arc, session, village)
        elif name == "transfer":
            results = transfer_stage(session, village)
        else:
            results = preservation_stage(arc, session, village)
        record(session, name, results, moment)
        found += [(name, r) for r in results]
    counts: Counter[tuple[str, str, str]] = Counter((s, r.code, r.outcome) for s, r in found)
    summary = [
        {
            "stage": s,
            "stage_name": STAGES[s],
            "check": code,
            "property": PROPERTIES[code[0]],
            "title": CHECKS[code],
            **{
                outcome: counts[(s, code, outcome)] for outcome in ("passed", "failed", "unchecked")
            },
        }
        for s in stages
        for code in sorted({c for st, c, _ in counts if st == s})
    ]
    unchecked = Counter((s, r.code, r.message) for s, r in found if r.outcome == "unchecked")
    seq, digest = journal.head(session)
    return {
        "generated_at": moment.isoformat() + "+00:00",
        "stages": stages,
        "scope": f"{village.code} {village.name}" if village else "全部",
        "journal_head": {"seq": seq, "hash": digest},
        "checked": len({r.document_id for _, r in found if r.document_id is not None}),
        "summary": summary,
        "failures": [
            {
                "stage": s,
                "document_id": r.document_id,
                "archival_code": r.archival_code,
                "check": r.code,
                "message": r.message,
            }
            for s, r in found
            if r.failed
        ],
        "unchecked": [
            {"stage": s, "check": code, "message": message, "count": n}
            for (s, code, message), n in sorted(unchecked.items())
        ],
    }
