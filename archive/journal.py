"""The hash-chained, append-only journal of every change (who, when, what, before/after).

Each event's hash covers its content and the previous event's hash, and the
journal head counter records how many events exist, so an edited, deleted or
truncated event is detected by `verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.counters import bump, peek
from dangan.archive.models import JournalEvent, utcnow

GENESIS = "0" * 64
HEAD_KEY = "journal.head"


def _plain(value: Any) -> Any:
    """JSON-safe copy (dates as ISO strings) so the stored value hashes the same later."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _digest(event: JournalEvent) -> str:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> JournalEvent:
    """Append one event within the caller's transaction."""
    seq = bump(session, HEAD_KEY)
    prev = session.get(JournalEvent, seq - 1) if seq > 1 else None
    event = JournalEvent(
        seq=seq,
        at=utcnow(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=_plain(before),
        after=_plain(after),
        prev_hash=prev.hash if prev else GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Problem:
    seq: int
    reason: str


def verify(session: Session) -> tuple[int, list[Problem]]:
    """Walk the chain; returns the number of events read and every break found."""
    events = session.scalars(select(JournalEvent).order_by(JournalEvent.seq)).yield_per(1000)
    return verify_events(events, lambda: peek(session, HEAD_KEY))


def verify_events(
    events: Iterable[JournalEvent], recorded_head: Callable[[], int]
) -> tuple[int, list[Problem]]:
    """`verify` over events in sequence order read from anywhere (a backup's snapshot
    too); `recorded_head` gives the journal head counter once the events are read."""
    problems: list[Problem] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for event in events:
        count += 1
        if event.seq != expected_seq:
            problems.append(
                Problem(expected_seq, f"第 {expected_seq} 至 {event.seq - 1} 条事件缺失")
            )
        if event.prev_hash != prev_hash:
            problems.append(Problem(event.seq, "与前一条事件的哈希链接不符"))
        if _digest(event) != event.hash:
            problems.append(Problem(event.seq, "事件内容与其哈希不符(被修改)"))
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = recorded_head()
    if head != expected_seq - 1:
        problems.append(
            Problem(head, f"日志头记录 {head} 条事件, 实际最后一条为 {expected_seq - 1}")
        )
    return count, problems


def head(session: Session) -> tuple[int, str]:
    """(sequence number, hash) of the newest event; (0, GENESIS) on an empty journal.
    Reports print it, so that a later `journal verify --anchor` can show that nothing
    before it was changed."""
    event = session.scalar(select(JournalEvent).order_by(JournalEvent.seq.desc()).limit(1))
    return (event.seq, event.hash) if event else (0, GENESIS)


def find_anchor(session: Session, digest: str) -> JournalEvent | None:
    """The event whose hash a printed report carried (`verify` then shows that the
    chain up to it is unchanged)."""
    return session.scalar(select(JournalEvent).where(JournalEvent.hash == digest.strip().lower()))


def history(session: Session, entity_type: str, entity_id: object) -> list[JournalEvent]:
    return list(
        session.scalars(
            select(JournalEvent)
            .where(JournalEvent.entity_type == entity_type)
            .where(JournalEvent.entity_id == str(entity_id))
            .order_by(JournalEvent.seq)
        )
    )


def as_dict(event: JournalEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.replace(tzinfo=dt.UTC).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "hash": event.hash,
    }
