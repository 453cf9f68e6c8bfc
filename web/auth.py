"""Who is asking: sessions (signed HttpOnly cookie), API tokens, login and logout,
and the first-run page that creates the first administrator.

A browser logs in at /login; the session cookie holds the account id, a stamp of
its password hash (a password change ends older sessions) and the CSRF token.
Scripts send `Authorization: Bearer dg_...` (a token from `dangan user token` or
the 我的账户 page) and need no cookie and no CSRF token.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dangan.archive import users
from dangan.archive.errors import InputError
from dangan.archive.users import Account
from dangan.web import csrf
from dangan.web.deps import get_archive
from dangan.web.permissions import can
from dangan.web.templating import render

SESSION_COOKIE = "dangan_session"
SESSION_MAX_AGE = 12 * 60 * 60
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

router = APIRouter(include_in_schema=False)
bearer = HTTPBearer(auto_error=False, description="API 令牌 (dg_...), 由 `dangan user token` 签发")


class NotAuthenticated(Exception):
    """No valid session or token: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """The account's role or villages do not allow this: 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_secret(home: Path) -> str:
    """The key that signs session cookies: DANGAN_HOME/secret.key, made once (0600)."""
    path = home / "secret.key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def _from_session(request: Request) -> Account | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    with get_archive(request).db.read() as session:
        account = users.by_id(session, user_id)
        if account is None or users.password_stamp(session, user_id) != request.session.get(
            "stamp"
        ):
            return None
    return account


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Account | None:
    """The account behind the request's token or session cookie, if any."""
    if hasattr(request.state, "user"):
        return request.state.user
    account: Account | None = None
    via = None
    if credentials is not None:
        with get_archive(request).db.read() as session:
            account = users.by_token(session, credentials.credentials)
        via = "token" if account else None
    else:
        account = _from_session(request)
        via = "session" if account else None
    request.state.user, request.state.auth_via = account, via
    return account


def require(action: str):  # type: ignore[no-untyped-def]
    """A dependency: the current account, allowed to do `action` (permissions.MATRIX).

    Unsafe methods on a cookie session must also carry the CSRF token.
    """

    async def dependency(
        request: Request, user: Annotated[Account | None, Depends(current_user)]
    ) -> Account:
        if user is None:
            raise NotAuthenticated()
        if not can(user, action):
            raise Forbidden(f"{user.role_name}无权{_action_name(action)}")
        if request.method in csrf.UNSAFE and request.state.auth_via == "session":
            await csrf.check(request)
        return user

    dependency.__name__ = f"require_{action}"
    return dependency


def _action_name(action: str) -> str:
    from dangan.web.permissions import ACTION_NAMES

    return ACTION_NAMES.get(action, action)


def client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _start_session(request: Request, account: Account) -> None:
    request.session.clear()
    with get_archive(request).db.read() as session:
        request.session["stamp"] = users.password_stamp(session, account.id)
    request.session["uid"] = account.id
    csrf.rotate(request)


def _no_users(request: Request) -> bool:
    with get_archive(request).db.read() as session:
        return users.count_users(session) == 0


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if _no_users(request):
        return RedirectResponse("/setup", status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    await csrf.check(request)
    limiter = request.app.state.login_limiter
    keys = [f"ip:{client_host(request)}", f"user:{username.strip().lower()}"]
    wait = max(limiter.retry_after(k) for k in keys)
    if wait:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": f"登录失败次数过多, 请 {wait} 秒后再试"},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    from starlette.concurrency import run_in_threadpool

    def attempt() -> Account | None:
        with get_archive(request).db.write() as session:
            return users.authenticate(
                session, username, password, source=f"web {client_host(request)}"
            )

    account = await run_in_threadpool(attempt)
    if account is None:
        for key in keys:
            limiter.fail(key)
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "用户名或密码错误, 或账户已停用"},
            status_code=401,
        )
    for key in keys:
        limiter.reset(key)
    _start_session(request, account)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await csrf.check(request)
    request.session.clear()
    csrf.rotate(request)
    return RedirectResponse("/login", status_code=303)


def is_local(request: Request) -> bool:
    """The request comes from the server's own machine, addressed to it by a loopback
    name (a reverse proxy on the same machine still sends its public host name)."""
    host = request.headers.get("host") or ""
    host = host[1 : host.find("]")] if host.startswith("[") else host.split(":", 1)[0]
    return client_host(request) in LOCAL_HOSTS and host in LOCAL_HOSTS


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request) -> Response:
    if not _no_users(request):
        return RedirectResponse("/login", status_code=303)
    return render(request, "setup.html", {"local": is_local(request), "error": None})


@router.post("/setup", response_class=HTMLResponse)
async def setup(
    request: Request,
    username: Annotated[str, Form()] = "admin",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password2: Annotated[str, Form()] = "",
) -> Response:
    """First run: create the first administrator, only from the server's own machine."""
    await csrf.check(request)
    if not _no_users(request):
        return RedirectResponse("/login", status_code=303)
    if not is_local(request):
        return render(request, "setup.html", {"local": False, "error": None}, status_code=403)
    error = None
    if password != password2:
        error = "两次输入的密码不一致"
    else:
        try:
            with get_archive(request).db.write() as session:
                if users.count_users(session) == 0:
                    account = users.create_user(
                        session,
                        username,
                        role="admin",
                        password=password,
                        actor=f"setup:{client_host(request)}",
                        display_name=display_name or "管理员",
                    )
                else:
                    return RedirectResponse("/login", status_code=303)
        except InputError as exc:
            error = str(exc)
    if error:
        return render(request, "setup.html", {"local": True, "error": error}, status_code=400)
    _start_session(request, account)
    return RedirectResponse("/", status_code=303)
