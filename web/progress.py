"""Counts for the dashboard: items by status and village, and the pipeline's progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dangan.archive.models import Document, Household, Job, Village
from dangan.archive.users import Account
from dangan.web.permissions import allowed_village_ids


def job_progress(session: Session) -> dict[str, Any]:
    """Items waiting or being processed, how far the current batch is (the items received
    since the oldest one still waiting), and pages read by the jobs running now."""
    waiting = Document.status.in_(("queued", "processing"))
    statuses = dict(
        session.execute(
            select(Document.status, func.count()).where(waiting).group_by(Document.status)
        ).all()
    )
    oldest = session.scalar(select(func.min(Document.created_at)).where(waiting))
    batch = (
        session.scalar(
            select(func.count()).select_from(Document).where(Document.created_at >= oldest)
        )
        if oldest is not None
        else 0
    )
    jobs = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    done, total = session.execute(
        select(
            func.coalesce(func.sum(Job.progress_done), 0),
            func.coalesce(func.sum(Job.progress_total), 0),
        ).where(Job.status == "leased")
    ).one()
    return {
        "queued": int(statuses.get("queued", 0)),
        "processing": int(statuses.get("processing", 0)),
        "jobs_pending": int(jobs.get("pending", 0)),
        "jobs_running": int(jobs.get("leased", 0)),
        "jobs_failed": int(jobs.get("failed", 0)),
        "batch_total": int(batch or 0),
        "batch_done": int(batch or 0) - sum(int(n) for n in statuses.values()),
        "pages_done": int(done),
        "pages_total": int(total),
    }


def status_counts(session: Session, user: Account) -> dict[str, int]:
    query = select(Document.status, func.count()).group_by(Document.status)
    ids = allowed_village_ids(session, user)
    if ids is not None:
        # Items not yet placed in a village (queued, processing, failed uploads) count
        # for everyone: they may be this user's own uploads.
        query = query.where(or_(Document.village_id.in_(ids), Document.village_id.is_(None)))
    return {status: int(n) for status, n in session.execute(query).all()}


def village_rows(session: Session, user: Account) -> list[dict[str, Any]]:
    households = dict(
        session.execute(
            select(Household.village_id, func.count()).group_by(Household.village_id)
        ).all()
    )
    per_status: dict[int, dict[str, int]] = {}
    for village_id, status, n in session.execute(
        select(Document.village_id, Document.status, func.count())
        .where(Document.village_id.is_not(None))
        .group_by(Document.village_id, Document.status)
    ).all():
        per_status.setdefault(village_id, {})[status] = int(n)
    query = select(Village).order_by(Village.code)
    if user.villages:
        query = query.where(Village.code.in_(user.villages))
    return [
        {
            "code": v.code,
            "name": v.name,
            "households": int(households.get(v.id, 0)),
            "filed": per_status.get(v.id, {}).get("filed", 0),
            "needs_review": per_status.get(v.id, {}).get("needs_review", 0),
            "documents": sum(per_status.get(v.id, {}).values()),
        }
        for v in session.scalars(query)
    ]
