"""用户管理 (administrators) and 我的账户 (everyone: own password and API token).

A generated password or token is shown once, in the answer to the form that made it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dangan.archive import users
from dangan.archive.errors import DanganError
from dangan.archive.users import ROLES, Account
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Account, Depends(require("users"))]
Self = Annotated[Account, Depends(require("account"))]


def _users_page(request: Request, **extra: object) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        context = {
            "accounts": users.list_users(session),
            "roles": ROLES,
            "villages": [(v.code, v.name) for v in arc.township(session).villages],
            **extra,
        }
    status = 400 if extra.get("error") else 200
    return render(request, "users.html", context, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, admin: Admin) -> Response:
    return _users_page(request)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request, admin: Admin) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))
    password = users.generate_password()
    try:
        with get_archive(request).db.write() as session:
            users.create_user(
                session,
                username,
                role=str(form.get("role", "")),
                password=password,
                actor=admin.username,
                display_name=str(form.get("display_name", "")),
                villages=[str(v) for v in form.getlist("villages")],
            )
    except DanganError as exc:
        return _users_page(request, error=str(exc))
    return _users_page(request, secret=("password", username.strip(), password))


@router.post("/users/{username}", response_class=HTMLResponse)
async def change_user(request: Request, admin: Admin, username: str) -> Response:
    """One form per account: `op` is save | password | token | revoke."""
    form = await request.form()
    op = str(form.get("op", "save"))
    arc = get_archive(request)
    secret = None
    try:
        with arc.db.write() as session:
            if op == "password":
                password = users.generate_password()
                users.set_password(session, username, password, actor=admin.username)
                secret = ("password", username, password)
            elif op == "token":
                secret = (
                    "token",
                    username,
                    users.issue_token(session, username, actor=admin.username),
                )
            elif op == "revoke":
                users.revoke_token(session, username, actor=admin.username)
            else:
                if username == admin.username and (
                    form.get("role") != "admin" or form.get("active") != "1"
                ):
                    raise DanganError("不能取消自己的管理员角色或停用自己的账户")
                users.update_user(
                    session,
                    username,
                    actor=admin.username,
                    role=str(form.get("role", "")),
                    villages=[str(v) for v in form.getlist("villages")],
                    display_name=str(form.get("display_name", "")),
                    active=form.get("active") == "1",
                )
    except DanganError as exc:
        return _users_page(request, error=str(exc))
    return _users_page(request, secret=secret, saved=username if secret is None else None)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: Self) -> Response:
    return render(request, "account.html", {})


@router.post("/account", response_class=HTMLResponse)
async def account_change(request: Request, user: Self) -> Response:
    form = await request.form()
    op = str(form.get("op", ""))
    arc = get_archive(request)
    try:
        if op == "password":
            new = str(form.get("new_password", ""))
            if new != str(form.get("new_password2", "")):
                raise DanganError("两次输入的新密码不一致")
            with arc.db.write() as session:
                if (
                    users.authenticate(
                        session, user.username, str(form.get("old_password", "")), source="改密码"
                    )
                    is None
                ):
                    raise DanganError("原密码不正确")
            with arc.db.write() as session:
                users.set_password(session, user.username, new, actor=user.username)
            # The session carries the old password's stamp: sign in again.
            request.session.clear()
            return RedirectResponse("/login", status_code=303)
        with arc.db.write() as session:
            if op == "token":
                token = users.issue_token(session, user.username, actor=user.username)
                return render(request, "account.html", {"token": token})
            if op == "revoke":
                users.revoke_token(session, user.username, actor=user.username)
                return render(request, "account.html", {"message": "API 令牌已吊销"})
    except DanganError as exc:
        return render(request, "account.html", {"error": str(exc)}, status_code=400)
    return RedirectResponse("/account", status_code=303)
