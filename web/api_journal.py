"""The journal over HTTP: recent events and the hash-chain check (auditors, admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from dangan.archive import journal
from dangan.archive.models import JournalEvent
from dangan.archive.users import Account
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.lookup import MAX_ID

router = APIRouter(prefix="/api", tags=["操作日志"])
Auditor = Annotated[Account, Depends(require("journal"))]


def events(
    arc_session: Any,
    *,
    action: str | None = None,
    actor: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[JournalEvent]:
    query = select(JournalEvent).order_by(JournalEvent.seq.desc()).limit(limit)
    if action:
        query = query.where(JournalEvent.action == action)
    if actor:
        query = query.where(JournalEvent.actor == actor)
    if entity_type:
        query = query.where(JournalEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(JournalEvent.entity_id == entity_id)
    if before_seq:
        query = query.where(JournalEvent.seq < before_seq)
    return list(arc_session.scalars(query))


@router.get("/journal", responses=ERRORS)
def list_events(
    request: Request,
    user: Auditor,
    action: Annotated[str | None, Query(max_length=50)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    entity_type: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: Annotated[str | None, Query(max_length=50)] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """最近的操作日志事件(新的在前), 可按动作、操作人、对象筛选。"""
    with get_archive(request).db.read() as session:
        rows = events(
            session,
            action=action,
            actor=actor,
            entity_type=entity_type,
            entity_id=entity_id,
            before_seq=before_seq,
            limit=limit,
        )
        return [journal.as_dict(e) for e in rows]


@router.get("/journal/verify", responses=ERRORS)
def verify(request: Request, user: Auditor) -> dict[str, Any]:
    """校验日志哈希链(同 `dangan journal verify --json`)。"""
    with get_archive(request).db.read() as session:
        count, problems = journal.verify(session)
    return {"events": count, "ok": not problems, "problems": [p.__dict__ for p in problems]}
