"""保管期限, holds, 销毁清册 and fixity over HTTP (as `dangan retention ...` and
`dangan fixity`). Each step acts for the logged-in user; the witnesses of a
destruction confirm with their own passwords."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.archive import users
from dangan.archive.context import Archive
from dangan.archive.errors import NotAllowed
from dangan.archive.models import Document
from dangan.archive.users import Account
from dangan.retention import disposal
from dangan.retention.fixity import latest_fixity_run, scrub
from dangan.retention.holds import (
    covered_village,
    describe,
    list_holds,
    place_holds,
    release_hold,
)
from dangan.retention.periods import hold_json, item_statuses
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_archive, get_search, log
from dangan.web.permissions import allowed_village_ids, visible_villages

router = APIRouter(prefix="/api", tags=["保管与销毁"])
Viewer = Annotated[Account, Depends(require("retention"))]
Holder = Annotated[Account, Depends(require("retention_hold"))]
Proposer = Annotated[Account, Depends(require("retention_propose"))]
Approver = Annotated[Account, Depends(require("retention_approve"))]
Destroyer = Annotated[Account, Depends(require("retention_destroy"))]
ListId = Annotated[int, Path(ge=1, le=2**31 - 1, description="销毁清册编号")]
HoldId = Annotated[int, Path(ge=1, le=2**31 - 1, description="冻结编号")]


def today() -> dt.date:
    return dt.date.today()


class HoldRequest(BaseModel):
    documents: list[int] = Field(default_factory=list, description="文件 ID", max_length=1000)
    village: str | None = Field(None, description="冻结整个村(代码或村名)", max_length=100)
    household: str | None = Field(None, description="冻结一户(户编号)", max_length=20)
    reason: str = Field(
        ..., description="原因: 检查、争议、待移交...", min_length=1, max_length=500
    )


class Reason(BaseModel):
    reason: str = Field(..., description="原因(记入日志)", min_length=1, max_length=500)


class ProposeRequest(BaseModel):
    village: str | None = Field(None, description="只列本村(代码或村名)", max_length=100)


class ExtendRequest(BaseModel):
    document_id: int = Field(..., ge=1, le=2**31 - 1)
    years: int = Field(..., ge=1, le=100, description="延长的年数")
    reason: str = Field(..., min_length=1, max_length=500)


class Witness(BaseModel):
    username: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=1, max_length=200)


class DestroyRequest(BaseModel):
    witnesses: list[Witness] = Field(..., description="两名监销人及其密码", max_length=2)


class FixityRequest(BaseModel):
    max_seconds: float | None = Field(60, ge=0, le=3600, description="最多运行多少秒")


def status_rows(
    session: Session, arc: Archive, user: Account, *, village: str | None, due: bool
) -> list[dict[str, Any]]:
    return [
        s.as_json()
        for s in item_statuses(
            session,
            arc.scheme,
            today=today(),
            village=village,
            village_ids=allowed_village_ids(session, user),
            due_only=due,
        )
    ]


def village_summary(session: Session, arc: Archive, user: Account) -> list[dict[str, Any]]:
    """Per village: items filed, fallen due, destroyable now, under a hold."""
    rows: dict[int, dict[str, Any]] = {}
    villages = visible_villages(session, user)
    counts = dict(
        session.execute(
            select(Document.village_id, func.count())
            .where(Document.status == "filed")
            .group_by(Document.village_id)
        ).all()
    )
    destroyed = dict(
        session.execute(
            select(Document.village_id, func.count())
            .where(Document.status == "destroyed")
            .group_by(Document.village_id)
        ).all()
    )
    for v in villages:
        rows[v.id] = {
            "code": v.code,
            "name": v.name,
            "filed": counts.get(v.id, 0),
            "due": 0,
            "destroyable": 0,
            "held": 0,
            "destroyed": destroyed.get(v.id, 0),
        }
    for s in item_statuses(
        session,
        arc.scheme,
        today=today(),
        village_ids=[v.id for v in villages],
        due_only=True,
    ):
        row = rows.get(s.village_id or 0)
        if row is not None:
            row["due"] += 1
            row["destroyable"] += s.destroyable
            row["held"] += bool(s.holds)
    return list(rows.values())


def holds_json(session: Session, user: Account) -> list[dict[str, Any]]:
    allowed = None if not user.villages else set(user.villages)
    out = []
    for hold in list_holds(session):
        data = {**hold_json(hold), **describe(hold)}
        village = covered_village(hold)
        if allowed is None or (village is not None and village.code in allowed):
            out.append(data)
    return out


def visible_lists(arc: Archive, user: Account) -> list[dict[str, Any]]:
    return [
        d for d in disposal.lists(arc) if not user.villages or (d["village_code"] in user.villages)
    ]


def visible_list(arc: Archive, user: Account, list_id: int) -> dict[str, Any]:
    data = disposal.get_list(arc, list_id)
    if user.villages and data["village_code"] not in user.villages:
        raise NotAllowed(f"销毁清册 {data['number']} 不在您负责的村")
    return data


def authenticate_witnesses(arc: Archive, witnesses: list[Witness]) -> list[Account]:
    accounts = []
    with arc.db.write() as session:
        for w in witnesses:
            account = users.authenticate(session, w.username, w.password, source="witness")
            if account is None:
                raise NotAllowed(f"监销人 {w.username} 的密码不对, 或该用户已停用")
            accounts.append(account)
    return accounts


def remove_from_index(request: Request, ids: list[int]) -> None:
    """The destroyed items leave the index now; should that fail, the search service's
    sync removes them (they are no longer in an indexed status)."""
    try:
        with get_archive(request).db.read() as session:
            get_search(request).index_documents(session, ids)
    except Exception:
        log.warning("removing %s from the index deferred to the next sync", ids, exc_info=True)


def do_destroy(
    request: Request, user: Account, list_id: int, body: DestroyRequest
) -> dict[str, Any]:
    arc = get_archive(request)
    visible_list(arc, user, list_id)
    witnesses = authenticate_witnesses(arc, body.witnesses)
    done = disposal.destroy(arc, user, list_id, witnesses=witnesses, today=today())
    remove_from_index(request, done.destroyed_ids)
    return {**done.list, "removed": done.removed, "kept": done.kept}


@router.get("/retention/status", responses=ERRORS)
def status(
    request: Request, user: Viewer, due: bool = False, village: str | None = None
) -> list[dict[str, Any]]:
    """保管期限状态(同 `dangan retention status --json`), 限于本人负责的村。"""
    arc = get_archive(request)
    with arc.db.read() as session:
        return status_rows(session, arc, user, village=village, due=due)


@router.get("/retention/holds", responses=ERRORS)
def holds(request: Request, user: Viewer) -> list[dict[str, Any]]:
    """冻结中的文件、户、村。"""
    with get_archive(request).db.read() as session:
        return holds_json(session, user)


@router.post("/retention/holds", status_code=201, responses=ERRORS)
def hold(request: Request, user: Holder, body: HoldRequest) -> list[dict[str, Any]]:
    """冻结文件、一户或一个村(检查、争议、待移交), 记入日志。"""
    with get_archive(request).db.write() as session:
        rows = place_holds(
            session,
            actor=user.username,
            account=user,
            reason=body.reason,
            document_ids=body.documents or None,
            village=body.village,
            household=body.household,
        )
        return [{**hold_json(h), **describe(h)} for h in rows]


@router.post("/retention/holds/{hold_id}/release", responses=ERRORS)
def release(request: Request, user: Holder, hold_id: HoldId, body: Reason) -> dict[str, Any]:
    """解除冻结(说明原因)。"""
    with get_archive(request).db.write() as session:
        row = release_hold(session, hold_id, actor=user.username, reason=body.reason, account=user)
        return {**hold_json(row), **describe(row), "released_by": row.released_by}


@router.get("/retention/lists", responses=ERRORS)
def lists(request: Request, user: Viewer) -> list[dict[str, Any]]:
    """销毁清册, 新的在前。"""
    return visible_lists(get_archive(request), user)


@router.post("/retention/lists", status_code=201, responses=ERRORS)
def propose(request: Request, user: Proposer, body: ProposeRequest) -> dict[str, Any]:
    """提出销毁清册(草稿): 到期、未冻结、非永久的文件。"""
    return disposal.propose(get_archive(request), user, village=body.village, today=today())


@router.get("/retention/lists/{list_id}", responses=ERRORS)
def show_list(request: Request, user: Viewer, list_id: ListId) -> dict[str, Any]:
    return visible_list(get_archive(request), user, list_id)


@router.get(
    "/retention/lists/{list_id}/report.{suffix}",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
)
def report(request: Request, user: Viewer, list_id: ListId, suffix: str) -> Response:
    """销毁清册文件(xlsx、docx 或 pdf), 按其最后一步打印的样子。"""
    arc = get_archive(request)
    visible_list(arc, user, list_id)
    sha256, name, media_type = disposal.report_file(arc, list_id, suffix)
    return Response(
        arc.store.read_bytes(sha256, verify=True),
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/retention/extend", responses=ERRORS)
def extend(request: Request, user: Proposer, body: ExtendRequest) -> dict[str, Any]:
    """延长保管: 文件移出待批准的清册。"""
    return disposal.extend(
        get_archive(request),
        user,
        body.document_id,
        years=body.years,
        reason=body.reason,
        actor=user.username,
        today=today(),
    )


@router.post("/retention/lists/{list_id}/approve", responses=ERRORS)
def approve(request: Request, user: Approver, list_id: ListId) -> dict[str, Any]:
    """批准销毁清册(批准人不能是提出人)。"""
    arc = get_archive(request)
    visible_list(arc, user, list_id)
    return disposal.approve(arc, user, list_id, today=today())


@router.post("/retention/lists/{list_id}/reject", responses=ERRORS)
def reject(request: Request, user: Approver, list_id: ListId, body: Reason) -> dict[str, Any]:
    """驳回销毁清册。"""
    arc = get_archive(request)
    visible_list(arc, user, list_id)
    return disposal.reject(arc, user, list_id, reason=body.reason, today=today())


@router.post("/retention/lists/{list_id}/destroy", responses=ERRORS)
def destroy(
    request: Request, user: Destroyer, list_id: ListId, body: DestroyRequest
) -> dict[str, Any]:
    """按已批准的清册销毁, 两名监销人(不是提出人)以各自的密码确认。"""
    return do_destroy(request, user, list_id, body)


@router.get("/fixity", responses=ERRORS)
def fixity(
    request: Request, user: Annotated[Account, Depends(require("dashboard"))]
) -> dict[str, Any] | None:
    """最近一次固定性检查及当前未恢复的问题。"""
    with get_archive(request).db.read() as session:
        return latest_fixity_run(session)


@router.post("/fixity", responses=ERRORS)
def run_fixity(
    request: Request, user: Annotated[Account, Depends(require("fixity"))], body: FixityRequest
) -> dict[str, Any]:
    """立即运行一次固定性检查(同 `dangan fixity --json`)。"""
    return scrub(get_archive(request), actor=user.username, max_seconds=body.max_seconds).as_json()
