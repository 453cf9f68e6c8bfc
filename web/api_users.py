"""Accounts over HTTP (administrators; as `dangan user add|list`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from dangan.archive import users
from dangan.archive.users import Account
from dangan.web.api import ERRORS
from dangan.web.auth import require
from dangan.web.deps import get_archive

router = APIRouter(prefix="/api", tags=["用户"])
Admin = Annotated[Account, Depends(require("users"))]


class NewUser(BaseModel):
    username: str = Field(..., min_length=1, max_length=100)
    role: str = Field(..., description="admin | archivist | inspector | auditor")
    display_name: str | None = Field(None, max_length=100)
    villages: list[str] = Field(default_factory=list, description="村代码或村名; 空表示全部")
    password: str | None = Field(
        None, min_length=8, max_length=200, description="省略时生成并在响应中返回一次"
    )


@router.get("/users", responses=ERRORS)
def list_users(request: Request, user: Admin) -> list[dict[str, Any]]:
    """全部用户账户。"""
    with get_archive(request).db.read() as session:
        return [a.as_dict() for a in users.list_users(session)]


@router.post("/users", status_code=201, responses=ERRORS)
def add_user(request: Request, user: Admin, new: NewUser) -> dict[str, Any]:
    """新建用户; 未给出密码时生成一个, 仅在此响应中出现。"""
    password = new.password or users.generate_password()
    with get_archive(request).db.write() as session:
        account = users.create_user(
            session,
            new.username,
            role=new.role,
            password=password,
            actor=user.username,
            display_name=new.display_name,
            villages=new.villages,
        )
    out = account.as_dict()
    if new.password is None:
        out["password"] = password
    return out
