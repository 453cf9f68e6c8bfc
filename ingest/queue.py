"""The durable job queue: one row per pipeline step, leased by a worker.

A worker leases a job (status `leased`, an owner and an expiry), does the work
outside any transaction, and commits the results together with `done` only while
it still holds the lease. A killed worker's lease expires and another worker runs
the step again; since results and completion commit together, a step takes effect
once. PostgreSQL workers skip rows another worker has locked; SQLite serialises
writers, which is enough for one office PC. A Celery worker (`ingest.celery_app`)
leases the one job its message names (`lease_job`).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dangan.archive.config import load_settings
from dangan.archive.db import Database
from dangan.archive.models import Document, Job, utcnow


def lease_duration() -> dt.timedelta:
    """How long a lease lasts without a progress report (DANGAN_LEASE_SECONDS, default 600)."""
    return dt.timedelta(seconds=float(os.environ.get("DANGAN_LEASE_SECONDS", "600")))


SLOW_QUEUE = "ocr"


class LeaseLost(Exception):
    """The lease expired and was taken by another worker: this worker's result is void."""


@dataclass(frozen=True)
class Leased:
    id: int
    document_id: int | None
    step: str
    attempts: int
    payload: dict[str, Any]


def enqueue(
    session: Session,
    step: str,
    *,
    document_id: int | None,
    queue: str = "default",
    payload: dict[str, Any] | None = None,
    max_attempts: int = 3,
) -> Job:
    job = Job(
        step=step,
        document_id=document_id,
        queue=queue,
        payload=payload or {},
        max_attempts=max_attempts,
        status="pending",
    )
    session.add(job)
    session.flush()
    _announce(session, job)
    return job


def _announce(session: Session, job: Job) -> None:
    """With a broker, Celery carries "run job N" to a worker once this transaction
    commits; the row stays the work itself. Imported here: without a broker, no Celery."""
    if load_settings().broker_url:
        from dangan.ingest import celery_app

        celery_app.send_after_commit(session, job.id, job.queue)


def _runnable(now: dt.datetime) -> ColumnElement[bool]:
    """Pending, or leased with its lease expired."""
    return or_(
        Job.status == "pending",
        (Job.status == "leased") & (Job.lease_expires_at < now),
    )


def _grant(job: Job, owner: str, now: dt.datetime) -> Leased:
    job.status = "leased"
    job.lease_owner = owner
    job.lease_expires_at = now + lease_duration()
    job.attempts += 1
    job.progress_done = 0
    return Leased(job.id, job.document_id, job.step, job.attempts, dict(job.payload or {}))


GAVE_UP = "处理过程反复中断(工作进程崩溃或被终止), 已停止重试"


def lease(db: Database, owner: str, queues: list[str] | None = None) -> Leased | None:
    """Take the oldest runnable job: pending, or leased with its lease expired."""
    now = utcnow()
    with db.write() as session:
        query = (
            select(Job)
            .where(_runnable(now))
            # Quick steps first: a filed item should not wait behind every page of OCR.
            .order_by(case((Job.queue == SLOW_QUEUE, 1), else_=0), Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if queues:
            query = query.where(Job.queue.in_(queues))
        job = session.scalar(query)
        while job is not None and job.attempts >= job.max_attempts:
            # Its last allowed attempt died mid-step (a crash, a kill): stop retrying.
            _give_up(session, job, GAVE_UP)
            job = session.scalar(query)
        if job is None:
            return None
        return _grant(job, owner, now)


def lease_job(db: Database, owner: str, job_id: int) -> Leased | None:
    """Take job `job_id` if it is runnable (a message named it): None when it is done,
    failed, or leased by a worker that is alive. A lease held by a process of this
    machine that no longer exists (killed mid-step) is taken over at once; one held
    on another machine is waited out."""
    now = utcnow()
    with db.write() as session:
        job = session.scalar(select(Job).where(Job.id == job_id).with_for_update())
        if job is None or job.status not in ("pending", "leased"):
            return None
        held = job.status == "leased" and (job.lease_expires_at or now) >= now
        if held and not _owner_gone(job.lease_owner):
            return None
        if job.attempts >= job.max_attempts:
            _give_up(session, job, GAVE_UP)
            return None
        return _grant(job, owner, now)


def _owner_gone(owner: str | None) -> bool:
    """Whether `owner` ("host:pid") names a process of this machine that has ended."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def runnable_jobs(db: Database) -> list[tuple[int, str]]:
    """(id, queue) of every job a worker could take now, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(Job.id, Job.queue).where(_runnable(utcnow())).order_by(Job.id)
        ).all()
    return [(r.id, r.queue) for r in rows]


def _give_up(session: Session, job: Job, error: str) -> None:
    job.status = "failed"
    job.last_error = error
    job.lease_owner = None
    job.lease_expires_at = None
    if job.document_id is not None:
        doc = session.get(Document, job.document_id)
        if doc is not None and doc.status in ("queued", "processing"):
            doc.status = "failed"
            doc.error = error


def _held(session: Session, job_id: int, owner: str) -> Job:
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.status != "leased" or job.lease_owner != owner:
        raise LeaseLost(job_id)
    return job


def finish(session: Session, job_id: int, owner: str) -> None:
    """Mark the job done in the caller's transaction (which also holds the step's results)."""
    job = _held(session, job_id, owner)
    job.status = "done"
    job.lease_owner = None
    job.lease_expires_at = None


def give_up_or_retry(db: Database, job_id: int, owner: str, error: str, *, retry: bool) -> bool:
    """Record a failed attempt. Returns True when the job will not run again."""
    with db.write() as session:
        try:
            job = _held(session, job_id, owner)
        except LeaseLost:
            return False
        final = not retry or job.attempts >= job.max_attempts
        if final:
            _give_up(session, job, error)
        else:
            job.status, job.last_error = "pending", error
            job.lease_owner = job.lease_expires_at = None
            _announce(session, job)
        return final


def release_leases(db: Database, owner: str) -> int:
    """End the leases `owner` holds now, not when they expire: the owner is known dead
    (its process crashed), so its jobs are run again at once, each attempt counted.
    Returns how many were released."""
    with db.write() as session:
        result = session.execute(
            update(Job)
            .where(Job.lease_owner == owner, Job.status == "leased")
            .values(lease_expires_at=utcnow())
        )
        return result.rowcount or 0


def report_progress(db: Database, job_id: int, owner: str, done: int, total: int) -> None:
    """Store page progress and extend the lease: a worker that reports is alive."""
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner, Job.status == "leased")
            .values(
                progress_done=done,
                progress_total=total,
                lease_expires_at=utcnow() + lease_duration(),
            )
        )
