"""操作日志: the journal for auditors and administrators, with the hash-chain check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from dangan.archive import journal
from dangan.archive.users import Account
from dangan.web.api_journal import events
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.lookup import MAX_ID
from dangan.web.privacy import mask_text
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)

ACTIONS = {
    "document.receive": "接收文件",
    "document.extract": "提取文字",
    "document.classify": "自动分类",
    "document.file": "归档",
    "document.review": "人工审核",
    "document.refile": "改档",
    "document.read": "查阅文件",
    "household.read": "查阅户档",
    "audit.read": "档案检查",
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "user.password": "修改密码",
    "user.token": "签发令牌",
    "user.token_revoke": "吊销令牌",
    "township.create": "创建全宗",
}


@router.get("/journal", response_class=HTMLResponse)
def journal_page(
    request: Request,
    user: Annotated[Account, Depends(require("journal"))],
    action: str = "",
    actor: str = "",
    before: int | None = None,
    verify: bool = False,
) -> Response:
    with get_archive(request).db.read() as session:
        rows = events(
            session,
            action=action.strip()[:50] or None,
            actor=actor.strip()[:100] or None,
            before_seq=before if before and 1 <= before <= MAX_ID else None,
            limit=100,
        )
        checked = journal.verify(session) if verify else None
    shown = [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "entity_type": e.entity_type,
            "entity_id": e.entity_id,
            "detail": mask_text(
                "; ".join(
                    f"{k}={v}" for k, v in (e.after or {}).items() if v not in (None, "", [])
                ),
                user,
            ),
        }
        for e in rows
    ]
    return render(
        request,
        "journal.html",
        {
            "rows": shown,
            "actions": ACTIONS,
            "action": action,
            "actor": actor,
            "checked": checked,
            "older": rows[-1].seq if len(rows) == 100 else None,
        },
    )
