"""Appraisal and disposal (鉴定与销毁, 档案法 §21): a 销毁清册 is proposed, approved by
another person, and carried out before two witnesses; nothing else removes content.

Each step checks the acting user's role (access.py), journals what it did, and prints
the list again (XLSX, DOCX, PDF) into the write-once store, where it stays for ever.
Destruction removes the items' content (the stored original, the extracted text, the
rendered page images) and keeps the catalog row in status "destroyed", the list and
every journal event. The search index is the caller's to update (`destroyed_ids`):
retention does not import search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.counters import bump
from dangan.archive.errors import InputError, NotAllowed, NotFound
from dangan.archive.models import (
    DisposalItem,
    DisposalList,
    Document,
    Page,
    RetentionExtension,
    StoredFile,
    Village,
    utcnow,
)
from dangan.archive.queries import resolve_village
from dangan.archive.renditions import rendition_of
from dangan.archive.users import Account
from dangan.retention.access import check_role, check_village
from dangan.retention.periods import item_statuses, period_years, years_kept

LIST_STATUS_NAMES = {
    "draft": "待批准",
    "approved": "已批准",
    "rejected": "已驳回",
    "destroyed": "已销毁",
}
ITEM_STATUS_NAMES = {"proposed": "拟销毁", "extended": "延长保管", "destroyed": "已销毁"}
OPEN = ("draft", "approved")
WITNESSES = 2


def destruction_notice(doc: Document) -> str:
    """What a person asking for a destroyed item's file is told."""
    done = (doc.extra or {}).get("destroyed") or {}
    return f"文件 {doc.archival_code or doc.id} 已于 {done.get('at', '?')} 按销毁清册 {done.get('list', '?')} 销毁"


def _get_list(session: Session, list_id: int) -> DisposalList:
    row = session.get(DisposalList, list_id)
    if row is None:
        raise NotFound(f"没有编号为 {list_id} 的销毁清册")
    return row


def _village_ids(session: Session, account: Account) -> list[int] | None:
    if not account.villages:
        return None
    return list(session.scalars(select(Village.id).where(Village.code.in_(account.villages))))


def _on_open_lists(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(DisposalItem.document_id)
            .join(DisposalList)
            .where(DisposalList.status.in_(OPEN))
            .where(DisposalItem.status == "proposed")
        )
    )


def _title(doc: Document) -> str:
    title = doc.title or doc.file.original_name
    return f"[{title}]" if doc.title_made_up else title


def propose(
    arc: Archive, account: Account, *, village: str | None = None, today: dt.date
) -> dict[str, Any]:
    """A draft 销毁清册 of every item that fell due, is not held and is on no open list."""
    check_role(account, "retention_propose")
    with arc.db.write() as session:
        if village is None and len(account.villages) == 1:
            village = account.villages[0]
        elif village is None and account.villages:
            raise InputError("您负责多个村: 请指定为哪个村提出销毁清册")
        village_row = resolve_village(session, village) if village else None
        if village_row is not None:
            check_village(account, village_row, f"村 {village}")
        taken = _on_open_lists(session)
        due = [
            s
            for s in item_statuses(
                session,
                arc.scheme,
                today=today,
                village=village,
                village_ids=_village_ids(session, account),
                due_only=True,
            )
            if s.destroyable and s.id not in taken
        ]
        if not due:
            raise InputError("没有到期且可销毁的文件(永久、未到期、冻结中或已在清册中的不列入)")
        township = arc.township(session)
        number = f"XH-{today.year}-{bump(session, f'disposal.{today.year}'):03d}"
        row = DisposalList(
            number=number,
            township=township,
            village=village_row,
            status="draft",
            proposed_by=account.username,
        )
        session.add(row)
        docs = {
            d.id: d
            for d in session.scalars(select(Document).where(Document.id.in_([s.id for s in due])))
        }
        for position, status in enumerate(due, 1):
            doc = docs[status.id]
            session.add(
                DisposalItem(
                    disposal_list=row,
                    document=doc,
                    position=position,
                    title=_title(doc),
                    year=doc.year,
                    archival_code=doc.archival_code,
                    retention=status.retention,
                    pages=doc.pages or 0,
                )
            )
        session.flush()
        journal.record(
            session,
            actor=account.username,
            action="disposal.propose",
            entity_type="disposal_list",
            entity_id=row.id,
            after={"number": number, "documents": [s.id for s in due], "village": village},
        )
        _print(arc, session, row)
        return list_json(row, arc)


def extend(
    arc: Archive,
    account: Account | None,
    document_id: int,
    *,
    years: int,
    reason: str,
    actor: str,
    today: dt.date,
) -> dict[str, Any]:
    """Keep an item `years` longer (延长保管); it leaves the draft list it is on."""
    if account is not None:
        check_role(account, "retention_propose")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("延长保管必须说明原因")
    if not 1 <= years <= 100:
        raise InputError(f"延长年数应在 1 至 100 之间, 而不是 {years}")
    with arc.db.write() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"没有编号为 {document_id} 的文件")
        check_village(account, doc.village, f"文件 {document_id}")
        if doc.status != "filed":
            raise InputError(
                f"文件 {document_id} 的状态为 {doc.status}, 只有已归档的文件可延长保管"
            )
        if period_years(doc.retention) is None:
            raise InputError(f"文件 {doc.archival_code} 为永久保管, 无需延长")
        entry = session.scalar(
            select(DisposalItem)
            .join(DisposalList)
            .where(DisposalItem.document_id == document_id)
            .where(DisposalItem.status == "proposed")
            .where(DisposalList.status.in_(OPEN))
        )
        if entry is not None and entry.disposal_list.status != "draft":
            raise InputError(
                f"文件 {doc.archival_code} 在已批准的销毁清册 {entry.disposal_list.number} 中:"
                " 请先驳回该清册"
            )
        session.add(
            RetentionExtension(
                document_id=doc.id, years=years, reason=reason[:500], extended_by=actor
            )
        )
        if entry is not None:
            entry.status = "extended"
            entry.remarks = f"延长保管 {years} 年: {reason}"[:500]
        session.flush()
        journal.record(
            session,
            actor=actor,
            action="retention.extend",
            entity_type="document",
            entity_id=doc.id,
            after={
                "years": years,
                "reason": reason,
                "list": entry.disposal_list.number if entry else None,
            },
        )
        if entry is not None:
            _print(arc, session, entry.disposal_list)
        return {"document_id": doc.id, "archival_code": doc.archival_code, "years": years}


def _blocked(session: Session, arc: Archive, row: DisposalList, today: dt.date) -> None:
    """Refuse the step when an item on the list is no longer destroyable (a hold was
    put on it, its period was extended, it was moved)."""
    proposed = [i for i in row.items if i.status == "proposed"]
    if not proposed:
        raise InputError(f"销毁清册 {row.number} 中没有拟销毁的文件")
    statuses = {
        s.id: s
        for s in item_statuses(
            session, arc.scheme, today=today, document_ids=[i.document_id for i in proposed]
        )
    }
    problems = []
    for item in proposed:
        status = statuses.get(item.document_id)
        if status is None:
            problems.append(f"{item.archival_code}(已不是已归档状态)")
        elif status.holds:
            why = "、".join(h.reason for h in status.holds)
            problems.append(f"{item.archival_code}(冻结中: {why})")
        elif not status.destroyable:
            problems.append(f"{item.archival_code}(保管期限至 {status.due or '永久'})")
    if problems:
        raise NotAllowed(
            f"销毁清册 {row.number} 中有文件不可销毁: {'; '.join(problems)}。请驳回该清册后重新提出"
        )


def approve(arc: Archive, account: Account, list_id: int, *, today: dt.date) -> dict[str, Any]:
    check_role(account, "retention_approve")
    with arc.db.write() as session:
        row = _get_list(session, list_id)
        check_village(account, row.village, f"销毁清册 {row.number}")
        if row.status != "draft":
            raise InputError(f"销毁清册 {row.number} 为{LIST_STATUS_NAMES[row.status]}, 不能批准")
        if account.username == row.proposed_by:
            raise NotAllowed(f"销毁清册 {row.number} 由 {row.proposed_by} 提出, 须由另一人批准")
        _blocked(session, arc, row, today)
        row.status, row.decided_by, row.decided_at = "approved", account.username, utcnow()
        session.flush()
        journal.record(
            session,
            actor=account.username,
            action="disposal.approve",
            entity_type="disposal_list",
            entity_id=row.id,
            after={"number": row.number, "documents": _proposed_ids(row)},
        )
        _print(arc, session, row)
        return list_json(row, arc)


def reject(
    arc: Archive, account: Account, list_id: int, *, reason: str, today: dt.date
) -> dict[str, Any]:
    check_role(account, "retention_approve")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("驳回必须说明原因")
    with arc.db.write() as session:
        row = _get_list(session, list_id)
        check_village(account, row.village, f"销毁清册 {row.number}")
        if row.status not in OPEN:
            raise InputError(f"销毁清册 {row.number} 为{LIST_STATUS_NAMES[row.status]}, 不能驳回")
        row.status, row.decided_by, row.decided_at = "rejected", account.username, utcnow()
        row.reject_reason = reason[:500]
        session.flush()
        journal.record(
            session,
            actor=account.username,
            action="disposal.reject",
            entity_type="disposal_list",
            entity_id=row.id,
            after={"number": row.number, "reason": reason},
        )
        _print(arc, session, row)
        return list_json(row, arc)


def _proposed_ids(row: DisposalList) -> list[int]:
    return [i.document_id for i in row.items if i.status == "proposed"]


@dataclass(frozen=True)
class Destruction:
    list: dict[str, Any]
    destroyed_ids: list[int]
    """Items whose index entries the caller must now remove."""
    removed: list[str]
    """Blobs removed from the store."""
    kept: list[str]
    """Blobs kept because an item still in keeping shares them (a feeder scan)."""


def _check_witnesses(row: DisposalList, witnesses: list[Account]) -> None:
    names = [w.username for w in witnesses]
    if len(witnesses) != WITNESSES or len(set(names)) != WITNESSES:
        raise InputError(f"销毁须有两名不同的监销人, 而不是 {', '.join(names) or '无'}")
    for witness in witnesses:
        check_role(witness, "retention_witness")
        if witness.username == row.proposed_by:
            raise NotAllowed(f"监销人 {witness.username} 是清册的提出人, 不能监销")


def destroy(
    arc: Archive,
    account: Account,
    list_id: int,
    *,
    witnesses: list[Account],
    today: dt.date,
) -> Destruction:
    """Carry out an approved list before two witnesses (authenticated by the caller)."""
    check_role(account, "retention_destroy")
    with arc.db.write() as session:
        row = _get_list(session, list_id)
        check_village(account, row.village, f"销毁清册 {row.number}")
        if row.status != "approved":
            raise InputError(
                f"销毁清册 {row.number} 为{LIST_STATUS_NAMES[row.status]}, 只有已批准的清册可以销毁"
            )
        _check_witnesses(row, witnesses)
        _blocked(session, arc, row, today)
        when = utcnow()
        items = [i for i in row.items if i.status == "proposed"]
        crops: list[str] = []
        for item in items:
            doc = item.document
            doc.status = "destroyed"
            # the facts read out of the text (names, ID numbers, amounts) go with it, and
            # the crops of its signature fields (ingest.signatures)
            crops += [f["crop"] for f in (doc.extra or {}).get("signatures") or ()]
            kept = {k: v for k, v in (doc.extra or {}).items() if k not in ("facts", "signatures")}
            doc.extra = {**kept, "destroyed": {"at": today.isoformat(), "list": row.number}}
            item.status = "destroyed"
            session.execute(delete(Page).where(Page.document_id == doc.id))
            journal.record(
                session,
                actor=account.username,
                action="document.destroy",
                entity_type="document",
                entity_id=doc.id,
                before={"status": "filed", "sha256": doc.file.sha256},
                after={
                    "status": "destroyed",
                    "list": row.number,
                    "archival_code": doc.archival_code,
                },
            )
        session.flush()
        removed, kept = _release_files(session, items, when)
        for crop in session.scalars(select(StoredFile).where(StoredFile.sha256.in_(crops))):
            crop.destroyed_at = when
            removed.append(crop.sha256)
        row.status, row.destroyed_by, row.destroyed_at = "destroyed", account.username, when
        row.witnesses = [
            {"username": w.username, "display_name": w.display_name, "role": w.role}
            for w in witnesses
        ]
        session.flush()
        journal.record(
            session,
            actor=account.username,
            action="disposal.destroy",
            entity_type="disposal_list",
            entity_id=row.id,
            after={
                "number": row.number,
                "documents": [i.document_id for i in items],
                "witnesses": [w.username for w in witnesses],
                "removed": removed,
                "kept": kept,
            },
        )
        _print(arc, session, row)
        result = list_json(row, arc)
    for sha256 in removed:
        arc.store.remove(sha256)
        _remove_rendered_pages(arc, sha256)
    return Destruction(result, [i.document_id for i in items], removed, kept)


def _remove_rendered_pages(arc: Archive, sha256: str) -> None:
    """The page images the web rendered from a blob (web/images.py's cache layout)."""
    for path in (arc.settings.home / "cache" / "pages" / sha256[:2]).glob(f"{sha256}-p*.png"):
        path.unlink(missing_ok=True)


def _release_files(
    session: Session, items: list[DisposalItem], when: dt.datetime
) -> tuple[list[str], list[str]]:
    """Marks destroyed every blob no item in keeping uses any more (a feeder scan's
    parts share one blob; a ZIP's members live in their container too), and the
    renditions of those destroyed."""
    removed: list[str] = []
    kept: list[str] = []
    for file_id in sorted({i.document.file_id for i in items}):
        file = session.get(StoredFile, file_id)
        assert file is not None
        in_keeping = session.scalar(
            select(Document.id)
            .where(Document.file_id == file_id)
            .where(Document.status != "destroyed")
            .limit(1)
        )
        if in_keeping is not None:
            kept.append(file.sha256)
            for item in items:
                if item.document.file_id == file_id:
                    item.remarks = "原扫描件含在保文件, 原件保留; 本件文字与索引已删除"
            continue
        file.destroyed_at = when
        removed.append(file.sha256)
        rendition = rendition_of(session, file)
        if rendition is not None and rendition.destroyed_at is None:
            rendition.destroyed_at = when  # made from the original, it goes with it
            removed.append(rendition.sha256)
    containers = {
        (i.document.extra or {}).get("container_sha256")
        for i in items
        if (i.document.extra or {}).get("container_sha256")
    }
    for sha256 in sorted(containers):
        members = session.scalars(
            select(Document.status).where(Document.extra["container_sha256"].as_string() == sha256)
        ).all()
        container = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
        if container is None or container.destroyed_at is not None:
            continue
        if all(status == "destroyed" for status in members):
            container.destroyed_at = when
            removed.append(sha256)
        else:
            kept.append(sha256)
    return removed, kept


def _print(arc: Archive, session: Session, row: DisposalList) -> None:
    """The list as it stands after this step, into the store as XLSX, DOCX and PDF."""
    from dangan.retention.disposal_report import FORMATS, list_content, render

    content = list_content(session, row, arc.scheme)
    reports: dict[str, str] = {}
    for suffix, media_type in FORMATS.items():
        put = arc.store.put_bytes(render(content, suffix))
        if session.scalar(select(StoredFile.id).where(StoredFile.sha256 == put.sha256)) is None:
            session.add(
                StoredFile(
                    sha256=put.sha256,
                    size=put.size,
                    media_type=media_type,
                    original_name=f"销毁清册{row.number}-{row.status}.{suffix}",
                    role="disposal_list",
                )
            )
        reports[suffix] = put.sha256
    row.reports = reports
    session.flush()


def list_json(row: DisposalList, arc: Archive) -> dict[str, Any]:
    def at(value: dt.datetime | None) -> str | None:
        return value.replace(tzinfo=dt.UTC).isoformat() if value else None

    return {
        "id": row.id,
        "number": row.number,
        "status": row.status,
        "status_name": LIST_STATUS_NAMES[row.status],
        "village_code": row.village.code if row.village else None,
        "proposed_by": row.proposed_by,
        "proposed_at": at(row.proposed_at),
        "decided_by": row.decided_by,
        "decided_at": at(row.decided_at),
        "reject_reason": row.reject_reason,
        "destroyed_by": row.destroyed_by,
        "destroyed_at": at(row.destroyed_at),
        "witnesses": [w["username"] for w in row.witnesses or []],
        "reports": dict(row.reports or {}),
        "items": [
            {
                "position": i.position,
                "document_id": i.document_id,
                "title": i.title,
                "year": i.year,
                "archival_code": i.archival_code,
                "retention": i.retention,
                "retention_name": arc.scheme.retention_names.get(i.retention, i.retention),
                "years_kept": years_kept(i.year, (row.destroyed_at or row.proposed_at).date()),
                "pages": i.pages,
                "status": i.status,
                "status_name": ITEM_STATUS_NAMES[i.status],
                "remarks": i.remarks,
            }
            for i in row.items
        ],
    }


def get_list(arc: Archive, list_id: int) -> dict[str, Any]:
    with arc.db.read() as session:
        return list_json(_get_list(session, list_id), arc)


def lists(arc: Archive) -> list[dict[str, Any]]:
    with arc.db.read() as session:
        rows = session.scalars(select(DisposalList).order_by(DisposalList.id.desc()))
        return [list_json(r, arc) for r in rows]


def report_file(arc: Archive, list_id: int, suffix: str) -> tuple[str, str, str]:
    """(sha256, file name, media type) of the list as last printed, in one format."""
    from dangan.retention.disposal_report import FORMATS

    if suffix not in FORMATS:
        raise NotFound(f"销毁清册没有 {suffix} 格式")
    with arc.db.read() as session:
        row = _get_list(session, list_id)
        sha256 = (row.reports or {}).get(suffix)
        if sha256 is None:
            raise NotFound(f"销毁清册 {row.number} 尚未生成 {suffix} 文件")
        return sha256, f"销毁清册{row.number}.{suffix}", FORMATS[suffix]
