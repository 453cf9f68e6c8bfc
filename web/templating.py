"""Jinja2 templates (autoescaped) and what every page gets: the user, the menu, CSRF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dangan.web import csrf
from dangan.web.permissions import can

STATUS_NAMES = {
    "queued": "排队中",
    "processing": "处理中",
    "needs_review": "待审核",
    "filed": "已归档",
    "failed": "失败",
    "destroyed": "已销毁",
}
OUTCOME_NAMES = {"queued": "已排队", "duplicate": "重复", "failed": "失败"}
LEVEL_NAMES = {"household": "户级", "village": "村级"}

# (path, label, action) in menu order; an entry shows only when the user may do it.
MENU: tuple[tuple[str, str, str], ...] = (
    ("/", "首页", "dashboard"),
    ("/upload", "上传", "upload"),
    ("/review", "待审核", "review"),
    ("/browse", "档案浏览", "read"),
    ("/search", "检索", "read"),
    ("/audit", "档案检查", "audit"),
    ("/retention", "保管与销毁", "retention"),
    ("/catalog", "目录", "catalog"),
    ("/checks", "四性检测", "checks"),
    ("/transfer", "移交", "transfer"),
    ("/journal", "操作日志", "journal"),
    ("/users", "用户管理", "users"),
)

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(
    STATUS_NAMES=STATUS_NAMES, OUTCOME_NAMES=OUTCOME_NAMES, LEVEL_NAMES=LEVEL_NAMES
)


def _fmt_dt(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


templates.env.filters["dt"] = _fmt_dt


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    user = getattr(request.state, "user", None)
    path = request.url.path
    menu = [
        {"path": p, "label": label, "active": path == p or (p != "/" and path.startswith(p))}
        for p, label, action in MENU
        if can(user, action)
    ]
    base = {
        "user": user,
        "menu": menu,
        "csrf_token": csrf.csrf_token(request),
        "can": lambda action: can(user, action),
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code, headers=headers
    )
