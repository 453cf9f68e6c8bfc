"""Fixity: a rolling scrub that hashes stored objects again, oldest-verified first.

Each object's `files.last_verified_at` says when it was last read back; a run takes
the oldest (never-checked first) until its time budget is spent, so a run that was
stopped simply resumes where the stalest objects are. A changed or missing object is
marked (`files.fixity_error`), journaled with the items it holds and where they are
filed, and stays on the dashboard until a later check finds it sound. Each run also
verifies the journal's hash chain, and is itself a journal event.

`dangan serve` schedules runs (`FixitySchedule`, from the environment) so that every
object is read again well within DANGAN_FIXITY_DAYS (90 by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.models import Document, FixityRun, StoredFile, utcnow

log = logging.getLogger("dangan.fixity")
_CHUNK = 1 << 20
_BATCH = 64
SCHEDULE_ACTOR = "schedule:fixity"


@dataclass
class ScrubResult:
    run_id: int
    checked: int = 0
    bytes_read: int = 0
    remaining: int = 0
    journal_ok: bool = True
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        """DESIGN.md's check result `{checked, failures}`, with the run's figures."""
        return {
            "checked": self.checked,
            "failures": self.failures,
            "run_id": self.run_id,
            "bytes": self.bytes_read,
            "remaining": self.remaining,
            "journal_ok": self.journal_ok,
            "seconds": round(self.seconds, 3),
        }


def _hash(path: os.PathLike[str], throttle_bps: float | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    started = time.monotonic()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if throttle_bps:
                # stay under the rate so that the server's pages keep their disk and CPU
                ahead = size / throttle_bps - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    return digest.hexdigest(), size


def _where(doc: Document) -> str:
    """Where the item is filed: its code and its cabinet (village, household)."""
    place = doc.village.name if doc.village else "未归村"
    if doc.household is not None:
        place += f" {doc.household.household_no} 号户 {doc.household.head_name}"
    return f"{doc.archival_code or f'文件 {doc.id}(未归档)'}({place})"


def _failures_for(
    session: Session, file: StoredFile, check: str, problem: str
) -> list[dict[str, Any]]:
    docs = list(
        session.scalars(select(Document).where(Document.file_id == file.id).order_by(Document.id))
    )
    where = f"存储对象 {file.sha256[:2]}/{file.sha256[2:4]}/{file.sha256}"
    if not docs:
        return [
            {
                "document_id": None,
                "archival_code": None,
                "check": check,
                "message": f"{where}({file.original_name}){problem}",
            }
        ]
    return [
        {
            "document_id": d.id,
            "archival_code": d.archival_code,
            "check": check,
            "message": f"{_where(d)} 的原件 {where} {problem}",
        }
        for d in docs
    ]


def _due(cutoff: dt.datetime):  # type: ignore[no-untyped-def]
    return (
        select(StoredFile.id, StoredFile.sha256)
        .where(StoredFile.destroyed_at.is_(None))
        .where(or_(StoredFile.last_verified_at.is_(None), StoredFile.last_verified_at < cutoff))
    )


def scrub(
    arc: Archive,
    *,
    actor: str,
    max_seconds: float | None = None,
    older_than: dt.timedelta | None = None,
    throttle_bps: float | None = None,
) -> ScrubResult:
    """Check stored objects, stalest first, until none is older than `older_than` (all
    of them when None) or `max_seconds` is spent; then verify the journal chain."""
    started = time.monotonic()
    with arc.db.write() as session:
        run = FixityRun(actor=actor)
        session.add(run)
        session.flush()
        result = ScrubResult(run.id)
        begun = run.started_at
    cutoff = begun if older_than is None else min(begun, begun - older_than)
    out_of_time = False
    while not out_of_time:
        with arc.db.read() as session:
            batch = session.execute(
                _due(cutoff)
                .order_by(StoredFile.last_verified_at.asc().nulls_first(), StoredFile.id)
                .limit(_BATCH)
            ).all()
        if not batch:
            break
        outcomes: list[tuple[int, str | None, str | None]] = []
        for file_id, sha256 in batch:
            path = arc.store.path(sha256)
            try:
                actual, size = _hash(path, throttle_bps)
            except FileNotFoundError:
                outcomes.append((file_id, "missing", "缺失"))
            else:
                result.bytes_read += size
                bad = actual != sha256
                outcomes.append(
                    (file_id, "hash", f"内容已改变(现哈希 {actual[:16]}…)")
                    if bad
                    else (file_id, None, None)
                )
            if max_seconds is not None and time.monotonic() - started >= max_seconds:
                out_of_time = True
                break
        _record(arc, actor, outcomes, result)
    problems = _verify_journal(arc)
    result.journal_ok = not problems
    result.failures.extend(problems)
    with arc.db.write() as session:
        result.remaining = (
            session.scalar(select(func.count()).select_from(_due(cutoff).subquery())) or 0
        )
        result.seconds = time.monotonic() - started
        run = session.get(FixityRun, result.run_id)
        assert run is not None
        run.finished_at = utcnow()
        run.checked, run.bytes_read, run.remaining = (
            result.checked,
            result.bytes_read,
            result.remaining,
        )
        run.journal_ok, run.failures = result.journal_ok, result.failures
        journal.record(
            session,
            actor=actor,
            action="fixity.run",
            entity_type="fixity_run",
            entity_id=run.id,
            after={
                "checked": result.checked,
                "bytes": result.bytes_read,
                "remaining": result.remaining,
                "failures": len(result.failures),
                "journal_ok": result.journal_ok,
            },
        )
    return result


def _record(
    arc: Archive,
    actor: str,
    outcomes: list[tuple[int, str | None, str | None]],
    result: ScrubResult,
) -> None:
    """One transaction per batch: a stopped run keeps what it checked."""
    now = utcnow()
    with arc.db.write() as session:
        for file_id, check, problem in outcomes:
            file = session.get(StoredFile, file_id)
            if file is None:
                continue
            result.checked += 1
            before = file.fixity_error
            file.last_verified_at = now
            file.fixity_error = problem
            if check is not None and problem is not None:
                found = _failures_for(session, file, check, problem)
                result.failures.extend(found)
                journal.record(
                    session,
                    actor=actor,
                    action="fixity.failure",
                    entity_type="file",
                    entity_id=file.id,
                    before={"fixity_error": before},
                    after={
                        "sha256": file.sha256,
                        "check": check,
                        "documents": [f["document_id"] for f in found],
                        "message": found[0]["message"],
                    },
                )
            elif before is not None:
                journal.record(
                    session,
                    actor=actor,
                    action="fixity.restored",
                    entity_type="file",
                    entity_id=file.id,
                    before={"fixity_error": before},
                    after={"sha256": file.sha256, "fixity_error": None},
                )


def _verify_journal(arc: Archive) -> list[dict[str, Any]]:
    with arc.db.read() as session:
        _count, problems = journal.verify(session)
    return [
        {
            "document_id": None,
            "archival_code": None,
            "check": "journal",
            "message": f"操作日志第 {p.seq} 条: {p.reason}",
        }
        for p in problems
    ]


def open_failures(session: Session) -> list[dict[str, Any]]:
    """Objects found changed or missing and not found sound since: the alarm."""
    out: list[dict[str, Any]] = []
    for file in session.scalars(
        select(StoredFile)
        .where(StoredFile.fixity_error.is_not(None))
        .where(StoredFile.destroyed_at.is_(None))
        .order_by(StoredFile.id)
    ):
        check = "missing" if file.fixity_error == "缺失" else "hash"
        for failure in _failures_for(session, file, check, file.fixity_error or ""):
            out.append({**failure, "at": file.last_verified_at})
    return out


def latest_fixity_run(session: Session) -> dict[str, Any] | None:
    """The newest finished scrub and the objects failing now; None before any scrub.
    Public: the preservation check (四性) reads it."""
    run = session.scalar(
        select(FixityRun)
        .where(FixityRun.finished_at.is_not(None))
        .order_by(FixityRun.started_at.desc(), FixityRun.id.desc())
        .limit(1)
    )
    if run is None:
        return None
    never = session.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.destroyed_at.is_(None))
        .where(StoredFile.last_verified_at.is_(None))
    )
    oldest = session.scalar(
        select(func.min(StoredFile.last_verified_at)).where(StoredFile.destroyed_at.is_(None))
    )
    return {
        "run_id": run.id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "actor": run.actor,
        "checked": run.checked,
        "bytes": run.bytes_read,
        "remaining": run.remaining,
        "journal_ok": run.journal_ok,
        "failures": list(run.failures or []),
        "open_failures": open_failures(session),
        "never_checked": never or 0,
        "oldest_check": oldest,
    }


@dataclass(frozen=True)
class FixitySchedule:
    """How the schedule scrubs (`dangan serve`; `dangan beat` when a broker is set):
    every object read again within `days` (0 turns the schedule off), a run every
    `every_seconds` lasting at most `budget_seconds`, reading at most `mb_per_second`."""

    days: float = 90.0
    every_seconds: float = 3600.0
    budget_seconds: float = 300.0
    mb_per_second: float = 50.0
    first_delay_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> FixitySchedule:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name, "").strip()
            return float(raw) if raw else default

        return cls(
            days=number("DANGAN_FIXITY_DAYS", cls.days),
            every_seconds=number("DANGAN_FIXITY_EVERY_SECONDS", cls.every_seconds),
            budget_seconds=number("DANGAN_FIXITY_BUDGET_SECONDS", cls.budget_seconds),
            mb_per_second=number("DANGAN_FIXITY_MB_PER_SECOND", cls.mb_per_second),
            first_delay_seconds=number(
                "DANGAN_FIXITY_FIRST_DELAY_SECONDS", cls.first_delay_seconds
            ),
        )

    def run_once(self, arc: Archive) -> ScrubResult:
        """One scheduled run. Objects not read for half the period are due, so every
        one is read at least once per period while runs keep up; a run ends when its
        budget is spent and the next one goes on from the stalest objects, so a run
        started twice (a late message) costs reading, never a wrong result."""
        return scrub(
            arc,
            actor=SCHEDULE_ACTOR,
            max_seconds=self.budget_seconds,
            older_than=dt.timedelta(days=self.days / 2),
            throttle_bps=self.mb_per_second * 1e6 if self.mb_per_second > 0 else None,
        )

    def run_forever(self, arc: Archive, stop: threading.Event) -> None:
        """Scrub on schedule until `stop` is set (`dangan serve` without a broker)."""
        if self.days <= 0:
            return
        wait = self.first_delay_seconds
        while not stop.wait(wait):
            try:
                self.run_once(arc)
            except Exception:  # the server stays up; the next run tries again
                log.exception("fixity scrub failed")
            wait = self.every_seconds

    def start_thread(self, arc: Archive, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever, args=(arc, stop), name="dangan-fixity", daemon=True
        )
        thread.start()
        return thread
