"""Holds (inspection, dispute, transfer pending): set on items, a household or a village,
released with a reason; both journaled. A hold in force blocks every disposal step."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.errors import InputError, NotFound
from dangan.archive.models import Document, RetentionHold, Village, utcnow
from dangan.archive.queries import resolve_household, resolve_village
from dangan.archive.users import Account
from dangan.retention.access import check_village


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InputError("冻结和解除冻结都必须说明原因")
    return reason[:500]


def place_holds(
    session: Session,
    *,
    actor: str,
    reason: str,
    account: Account | None = None,
    document_ids: list[int] | None = None,
    village: str | None = None,
    household: str | None = None,
) -> list[RetentionHold]:
    """One hold per item named, or one on the household, or one on the village.
    `account` (when the caller acts for a dangan user) limits it to that user's
    villages."""
    reason = _reason(reason)
    if bool(document_ids) + bool(household) + bool(village and not household) != 1:
        raise InputError("请给出文件 ID, 或 --household 户编号, 或 --village 村, 三者选一")
    holds: list[RetentionHold] = []
    if document_ids:
        for document_id in document_ids:
            doc = session.get(Document, document_id)
            if doc is None:
                raise NotFound(f"没有编号为 {document_id} 的文件")
            check_village(account, doc.village, f"文件 {document_id}")
            holds.append(RetentionHold(document=doc, reason=reason, set_by=actor))
    elif household:
        village_row = resolve_village(session, village) if village else None
        row = resolve_household(session, village_row, household)
        check_village(account, row.village, f"户 {household}")
        holds.append(RetentionHold(household=row, reason=reason, set_by=actor))
    else:
        assert village is not None
        row = resolve_village(session, village)
        check_village(account, row, f"村 {village}")
        holds.append(RetentionHold(village=row, reason=reason, set_by=actor))
    for hold in holds:
        session.add(hold)
        session.flush()
        journal.record(
            session,
            actor=actor,
            action="retention.hold",
            entity_type="retention_hold",
            entity_id=hold.id,
            after={**describe(hold), "reason": reason},
        )
    return holds


def release_hold(
    session: Session, hold_id: int, *, actor: str, reason: str, account: Account | None = None
) -> RetentionHold:
    reason = _reason(reason)
    hold = session.get(RetentionHold, hold_id)
    if hold is None:
        raise NotFound(f"没有编号为 {hold_id} 的冻结")
    if hold.released_at is not None:
        raise InputError(
            f"冻结 {hold_id} 已于 {hold.released_at:%Y-%m-%d} 由 {hold.released_by} 解除"
        )
    check_village(account, covered_village(hold), f"冻结 {hold_id}")
    hold.released_by, hold.released_at, hold.release_reason = actor, utcnow(), reason
    session.flush()
    journal.record(
        session,
        actor=actor,
        action="retention.release",
        entity_type="retention_hold",
        entity_id=hold.id,
        before={"reason": hold.reason, "by": hold.set_by},
        after={**describe(hold), "reason": reason},
    )
    return hold


def covered_village(hold: RetentionHold) -> Village | None:
    if hold.document is not None:
        return hold.document.village
    if hold.household is not None:
        return hold.household.village
    return hold.village


def describe(hold: RetentionHold) -> dict[str, str | int | None]:
    """What the hold covers, in the words a list or a page shows."""
    if hold.document is not None:
        code = hold.document.archival_code or f"文件 {hold.document.id}"
        return {"scope": "document", "document_id": hold.document.id, "what": code}
    if hold.household is not None:
        h = hold.household
        return {
            "scope": "household",
            "household_no": h.household_no,
            "what": f"{h.village.name} {h.household_no} 号户 {h.head_name}",
        }
    assert hold.village is not None
    return {"scope": "village", "village_code": hold.village.code, "what": hold.village.name}


def list_holds(session: Session, *, include_released: bool = False) -> list[RetentionHold]:
    query = select(RetentionHold).order_by(RetentionHold.id.desc())
    if not include_released:
        query = query.where(RetentionHold.released_at.is_(None))
    return list(session.scalars(query))
