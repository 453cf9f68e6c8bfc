"""Filing an item: the filing-stage four-property checks, then its retention, year and
archival code, journaled."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.codes import CodeParts, next_code, pattern
from dangan.archive.errors import FilingRefused, InputError
from dangan.archive.four_properties import Metadata, Result, file_checks, metadata_checks, record
from dangan.archive.models import Document, Household, JournalEvent, Village, utcnow
from dangan.archive.renditions import kept_file
from dangan.archive.scheme import Scheme
from dangan.archive.store import ContentStore

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def code_parts(doc: Document, scheme: Scheme, fonds: str) -> CodeParts:
    """What the item's 档号 is made of; explains in Chinese what is still missing."""
    if doc.doc_type is None:
        raise InputError(f"文件 {doc.id} 尚未确定文件类型, 不能归档")
    doc_type = scheme.type(doc.doc_type)
    if doc.year is None:
        raise InputError(f"文件 {doc.id} 没有年度, 不能归档")
    village: Village | None = doc.village
    if village is None:
        raise InputError(f"文件 {doc.id} 没有所属行政村, 不能归档")
    household: Household | None = doc.household
    if doc_type.level == "household" and household is None:
        raise InputError(f"文件 {doc.id} 是户级文件({doc_type.name}), 必须指定贫困户")
    return CodeParts(
        fonds=fonds,
        year=doc.year,
        retention=doc.retention or doc_type.retention,
        village=village.code,
        household=household.household_no if household else scheme.village_level_household,
    )


def former_items(session: Session, group: str) -> set[int]:
    """Item numbers of `group` whose items were moved elsewhere (改档): not gaps."""
    prefix = group.split("#", 1)[0]
    numbers = set()
    for after in session.scalars(
        select(JournalEvent.after).where(JournalEvent.action == "document.refile")
    ):
        former = (after or {}).get("former_code") or ""
        tail = former[len(prefix) :]
        if former.startswith(prefix) and tail.isdigit():
            numbers.add(int(tail))
    return numbers


def filing_checks(
    session: Session,
    doc: Document,
    scheme: Scheme,
    store: ContentStore,
    code: str,
    group: str,
    item: int,
) -> list[Result]:
    """The filing-stage four-property checks (四性) of `doc` about to be filed as `code`,
    number `item` of `group`."""
    found = []
    sha = doc.file.sha256
    if not _SHA256.match(sha or ""):
        found.append(Result("1-1", "failed", f"记录的摘要 {sha!r} 不是 SHA-256"))
    elif not store.verify(sha):
        found.append(Result("1-1", "failed", "存储中的原件缺失或与其 SHA-256 摘要不符"))
    else:
        found.append(Result("1-1", "passed", f"SHA-256 {sha}"))
    taken = session.scalar(select(Document.id).where(Document.archival_code == code))
    if not pattern(scheme.code_template).match(code):
        found.append(Result("1-3", "failed", f"档号 {code} 不符合编制规则 {scheme.code_template}"))
    elif taken is not None:
        found.append(Result("1-3", "failed", f"档号 {code} 已被文件 {taken} 使用"))
    else:
        found.append(Result("1-3", "passed", code))
    held = set(
        session.scalars(select(Document.item_no).where(Document.code_group == group))
    ) | former_items(session, group)
    gaps = sorted(set(range(1, item)) - held)
    found.append(
        Result("2-2", "failed", f"组 {group} 缺件号 {', '.join(map(str, gaps[:10]))}")
        if gaps
        else Result("2-2", "passed", f"件号 {item:04d}")
    )
    meta = Metadata(
        archival_code=code,
        title=doc.title,
        date=doc.date,
        year=doc.year,
        responsible=doc.responsible,
        retention=doc.retention,
        doc_number=doc.doc_number,
        secret_level=doc.secret_level,
        pages=doc.pages or None,
    )
    found += metadata_checks(meta, scheme.retention_names)
    kept = kept_file(session, doc.file)
    if store.exists(sha) and store.exists(kept.sha256):
        original = store.path(sha) if kept is not doc.file else None
        found += file_checks(store.path(kept.sha256), kept.media_type, original=original)
    return [Result(r.code, r.outcome, r.message, doc.id, code) for r in found]


def _fill_in(doc: Document, scheme: Scheme) -> None:
    """What the filer writes when the item names none (DA/T 22): a title made up from
    its type, in [ ] when printed; the village committee as 责任者 (the item was made or
    kept by the village the archivist files for)."""
    if not (doc.title or "").strip():
        doc.title = scheme.type(doc.doc_type).name if doc.doc_type else "文件"
        doc.title_made_up = True
    if not (doc.responsible or "").strip() and doc.village is not None:
        doc.responsible = f"{doc.village.name}村民委员会"


class _Refused(Exception):
    """Rolls the savepoint of a refused item back."""


def file_document(
    session: Session, doc: Document, scheme: Scheme, *, actor: str, store: ContentStore
) -> str:
    """Run the filing-stage four-property checks on `doc`, then give it its retention
    and next archival code and mark it filed. A failed check raises FilingRefused (the
    item is not filed); every result is recorded with the item.

    Must run inside the caller's write transaction, which commits number and item
    together. An item that already has a code keeps it: re-filing is its own action.
    """
    if doc.archival_code:
        raise InputError(f"文件 {doc.id} 已归档为 {doc.archival_code}; 更正请使用改档")
    assert doc.village is not None  # checked by code_parts
    parts = code_parts(doc, scheme, doc.village.township.fonds)
    doc.retention = parts.retention
    _fill_in(doc, scheme)
    before = {"status": doc.status, "archival_code": None}
    # The code is taken (its group's counter row locked) before it is checked, so that
    # the check sees the number this item gets, not one another writer takes meanwhile;
    # a refused item gives the number back with the savepoint.
    results: list[Result] = []
    try:
        with session.begin_nested():
            code, group, item = next_code(session, scheme.code_template, parts)
            results = filing_checks(session, doc, scheme, store, code, group, item)
            if any(r.failed for r in results):
                raise _Refused()
    except _Refused:
        record(session, "filing", results)
        raise FilingRefused(doc.id, [r.reason for r in results if r.failed]) from None
    record(session, "filing", results)
    doc.archival_code, doc.code_group, doc.item_no = code, group, item
    doc.status = "filed"
    doc.filed_at = utcnow()
    session.flush()
    journal.record(
        session,
        actor=actor,
        action="document.file",
        entity_type="document",
        entity_id=doc.id,
        before=before,
        after={"status": "filed", "archival_code": code, "retention": parts.retention},
    )
    return code


def _placement(doc: Document) -> dict[str, object]:
    return {
        "doc_type": doc.doc_type,
        "village_code": doc.village.code if doc.village else None,
        "household_no": doc.household.household_no if doc.household else None,
        "year": doc.year,
        "archival_code": doc.archival_code,
        "status": doc.status,
    }


def _place(
    doc: Document,
    scheme: Scheme,
    doc_type: str | None,
    village: Village | None,
    household: Household | None,
    year: int | None,
    date: dt.date | None = None,
) -> None:
    if doc_type is not None:
        doc.doc_type = scheme.type(doc_type.upper()).code
    if household is not None:
        doc.household, doc.village = household, household.village
    elif village is not None:
        if doc.household is not None and doc.household.village_id != village.id:
            doc.household = None
        doc.village = village
    if doc.doc_type and scheme.type(doc.doc_type).level == "village":
        doc.household = None
    if year is not None:
        doc.year = year
    if date is not None:
        # the date a person read off the paper; its year wins over a proposed one
        doc.date, doc.year = date, date.year if year is None else year
    doc.retention = scheme.type(doc.doc_type).retention if doc.doc_type else None


def review_and_file(
    session: Session,
    doc: Document,
    scheme: Scheme,
    *,
    actor: str,
    store: ContentStore,
    doc_type: str | None = None,
    village: Village | None = None,
    household: Household | None = None,
    year: int | None = None,
    date: dt.date | None = None,
) -> str:
    """A person confirms or corrects an item waiting in review, and it is filed."""
    if doc.status != "needs_review":
        raise InputError(f"文件 {doc.id} 的状态为 {doc.status}, 不在待审核队列中")
    before = _placement(doc)
    _place(doc, scheme, doc_type, village, household, year, date)
    doc.confidence = 1.0
    doc.review_reasons = []
    code = file_document(session, doc, scheme, actor=actor, store=store)
    journal.record(
        session,
        actor=actor,
        action="document.review",
        entity_type="document",
        entity_id=doc.id,
        before=before,
        after=_placement(doc),
    )
    return code


def refile(
    session: Session,
    doc: Document,
    scheme: Scheme,
    *,
    actor: str,
    store: ContentStore,
    reason: str,
    doc_type: str | None = None,
    village: Village | None = None,
    household: Household | None = None,
    year: int | None = None,
    date: dt.date | None = None,
) -> str:
    """Move a filed item to its right place under a new code (改档), an explicit act.

    The old code is never reused or renumbered; it is kept on the item and in the
    journal so the catalog can show where the item went.
    """
    if doc.status != "filed" or not doc.archival_code:
        raise InputError(f"文件 {doc.id} 尚未归档, 请用审核归档")
    if not reason.strip():
        raise InputError("改档必须说明原因")
    before = _placement(doc)
    old_code = doc.archival_code
    _place(doc, scheme, doc_type, village, household, year, date)
    doc.extra = {
        **(doc.extra or {}),
        "former_codes": [*(doc.extra or {}).get("former_codes", []), old_code],
    }
    doc.archival_code = None
    doc.code_group = doc.item_no = None
    session.flush()
    new_code = file_document(session, doc, scheme, actor=actor, store=store)
    journal.record(
        session,
        actor=actor,
        action="document.refile",
        entity_type="document",
        entity_id=doc.id,
        before=before,
        after={**_placement(doc), "reason": reason, "former_code": old_code},
    )
    return new_code
