"""Who may do what, and on which villages: the one place the web layer asks.

Roles (archive.users.ROLES): 管理员 admin, 档案员 archivist, 检查员 inspector,
审计员 auditor. An account's `villages` lists the village codes it works on; an
empty list means every village. Items not yet placed in a village are visible to
unscoped accounts and to the account that uploaded them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from dangan.archive.models import Document, Village
from dangan.archive.users import Account
from dangan.retention.access import STEP_NAMES, STEP_ROLES

# action -> roles allowed. Every route names exactly one action.
MATRIX: dict[str, frozenset[str]] = {
    "dashboard": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "read": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "upload": frozenset({"admin", "archivist"}),
    "review": frozenset({"admin", "archivist"}),
    "refile": frozenset({"admin", "archivist"}),
    "journal": frozenset({"admin", "auditor"}),
    "users": frozenset({"admin"}),
    "account": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "audit": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "catalog": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "checks": frozenset({"admin", "archivist", "inspector", "auditor"}),
    "run_checks": frozenset({"admin", "archivist"}),
    "transfer": frozenset({"admin"}),
    # Seeing ID numbers unmasked, in metadata and in extracted text.
    "full_id": frozenset({"admin", "archivist"}),
    # 保管期限, holds, disposal and fixity: the roles are set where the steps are.
    **STEP_ROLES,
}

ACTION_NAMES: dict[str, str] = {
    "dashboard": "查看首页",
    "read": "查阅档案",
    "upload": "上传文件",
    "review": "审核归档",
    "refile": "改档",
    "journal": "查看操作日志",
    "users": "管理用户",
    "account": "管理本人账户",
    "audit": "档案检查",
    "catalog": "下载目录",
    "checks": "查看四性检测",
    "run_checks": "运行四性检测",
    "transfer": "移交",
    "full_id": "查看完整身份证号",
    **STEP_NAMES,
}


def can(user: Account | None, action: str) -> bool:
    if user is None or not user.active:
        return False
    return user.role in MATRIX[action]


def scoped(user: Account) -> bool:
    """True when the account is limited to some villages."""
    return bool(user.villages)


def village_allowed(user: Account, village_code: str | None) -> bool:
    if not scoped(user):
        return True
    return village_code is not None and village_code in user.villages


def allowed_village_ids(session: Session, user: Account) -> list[int] | None:
    """Database ids of the account's villages; None when it may see every village."""
    if not scoped(user):
        return None
    return list(session.scalars(select(Village.id).where(Village.code.in_(user.villages))))


def uploaded_by(doc: Document) -> str | None:
    return (doc.extra or {}).get("uploaded_by")


def document_visible(user: Account, doc: Document) -> bool:
    if not scoped(user):
        return True
    if doc.village is not None and doc.village.code in user.villages:
        return True
    # An item not yet filed that this account uploaded: its uploader must be able to
    # review it even when the classifier guessed another village (or none).
    return doc.status != "filed" and uploaded_by(doc) == user.username


def scope_documents(query: Select[Any], session: Session, user: Account) -> Select[Any]:
    """Restrict a Document query to the account's villages (plus unplaced items, which
    the caller still filters with `document_visible`)."""
    ids = allowed_village_ids(session, user)
    if ids is None:
        return query
    return query.where(
        or_(Document.village_id.in_(ids), Document.village_id.is_(None), Document.status != "filed")
    )


def visible_villages(session: Session, user: Account) -> list[Village]:
    query = select(Village).order_by(Village.code)
    if scoped(user):
        query = query.where(Village.code.in_(user.villages))
    return list(session.scalars(query))
