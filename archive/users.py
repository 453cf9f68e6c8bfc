"""User accounts: argon2 password hashes, roles, village scope and API tokens.

Every change to an account and every login attempt is a journal event. Passwords
and tokens are never stored: a password as its argon2 hash, a token as its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.errors import InputError, NotFound
from dangan.archive.models import User, Village

ROLES: dict[str, str] = {
    "admin": "管理员",
    "archivist": "档案员",
    "inspector": "检查员",
    "auditor": "审计员",
}
TOKEN_PREFIX = "dg_"
MIN_PASSWORD = 8
# argon2id cost, from the environment when set (an old office PC may need a lower
# memory cost); defaults are argon2-cffi's (RFC 9106 low-memory profile).
_COST_ENV = {
    "time_cost": "DANGAN_ARGON2_TIME_COST",
    "memory_cost": "DANGAN_ARGON2_MEMORY_KIB",
    "parallelism": "DANGAN_ARGON2_PARALLELISM",
}


@cache
def _hasher_for(cost: tuple[tuple[str, int], ...]) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(**dict(cost))
    # Verified against when the username is unknown, so both cases take the same time.
    return hasher, hasher.hash("not a password of anyone")


def _hasher() -> PasswordHasher:
    return _hashing()[0]


def _hashing() -> tuple[PasswordHasher, str]:
    cost = tuple(
        (name, int(os.environ[var])) for name, var in _COST_ENV.items() if os.environ.get(var)
    )
    return _hasher_for(cost)


@dataclass(frozen=True)
class Account:
    """A user as the web layer and the CLI see it (no hashes)."""

    id: int
    username: str
    display_name: str
    role: str
    villages: tuple[str, ...]
    active: bool
    has_token: bool

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "role_name": self.role_name,
            "villages": list(self.villages),
            "active": self.active,
            "has_token": self.has_token,
        }


def account(user: User) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        role=user.role,
        villages=tuple(user.villages or ()),
        active=user.active,
        has_token=user.token_hash is not None,
    )


def generate_password() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"密码至少需要 {MIN_PASSWORD} 个字符")
    return _hasher().hash(password)


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InputError(f"用户名无效: {username!r}(不能为空或含空格, 最长 100 个字符)")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"角色 {role!r} 无效, 可选: {', '.join(ROLES)}")
    return role


def _check_villages(session: Session, villages: list[str] | tuple[str, ...]) -> list[str]:
    """Village codes or names, resolved to codes; unknown ones are an error."""
    codes: list[str] = []
    for text in villages:
        text = text.strip()
        if not text:
            continue
        code = session.scalar(
            select(Village.code).where((Village.code == text) | (Village.name == text)).limit(1)
        )
        if code is None:
            raise InputError(f"没有行政村 {text}")
        if code not in codes:
            codes.append(code)
    return codes


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户 {username}")
    return user


def list_users(session: Session) -> list[Account]:
    return [account(u) for u in session.scalars(select(User).order_by(User.username))]


def create_user(
    session: Session,
    username: str,
    *,
    role: str,
    password: str,
    actor: str,
    display_name: str | None = None,
    villages: list[str] | tuple[str, ...] = (),
) -> Account:
    username = _check_username(username)
    _check_role(role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputError(f"用户 {username} 已存在")
    codes = _check_villages(session, villages)
    user = User(
        username=username,
        display_name=(display_name or "").strip() or None,
        password_hash=hash_password(password),
        role=role,
        villages=codes,
        active=True,
    )
    session.add(user)
    session.flush()
    journal.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=username,
        after={"role": role, "villages": codes, "display_name": user.display_name},
    )
    return account(user)


def update_user(
    session: Session,
    username: str,
    *,
    actor: str,
    role: str | None = None,
    villages: list[str] | tuple[str, ...] | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> Account:
    user = get_user(session, username)
    before = {
        "role": user.role,
        "villages": list(user.villages or []),
        "display_name": user.display_name,
        "active": user.active,
    }
    if role is not None:
        user.role = _check_role(role)
    if villages is not None:
        user.villages = _check_villages(session, villages)
    if display_name is not None:
        user.display_name = display_name.strip() or None
    if active is not None:
        user.active = active
        if not active:
            user.token_hash = None
    after = {
        "role": user.role,
        "villages": list(user.villages or []),
        "display_name": user.display_name,
        "active": user.active,
    }
    if after != before:
        session.flush()
        journal.record(
            session,
            actor=actor,
            action="user.update",
            entity_type="user",
            entity_id=username,
            before=before,
            after=after,
        )
    return account(user)


def set_password(session: Session, username: str, password: str, *, actor: str) -> None:
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    session.flush()
    journal.record(
        session, actor=actor, action="user.password", entity_type="user", entity_id=username
    )


def authenticate(
    session: Session, username: str, password: str, *, source: str = ""
) -> Account | None:
    """The account when the password is right and the account active; journals the try."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    hasher, dummy = _hashing()
    ok = False
    try:
        ok = hasher.verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.active
    if ok and user is not None and hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    journal.record(
        session,
        actor=username.strip()[:100] or "(空)",
        action="auth.login" if ok else "auth.login_failed",
        entity_type="user",
        entity_id=username.strip()[:50],
        after={"source": source} if source else None,
    )
    return account(user) if ok and user is not None else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, *, actor: str) -> str:
    """A new API token for the user (any previous one stops working); shown once."""
    user = get_user(session, username)
    if not user.active:
        raise InputError(f"用户 {username} 已停用, 不能签发令牌")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = _token_digest(token)
    session.flush()
    journal.record(
        session, actor=actor, action="user.token", entity_type="user", entity_id=username
    )
    return token


def revoke_token(session: Session, username: str, *, actor: str) -> None:
    user = get_user(session, username)
    if user.token_hash is None:
        return
    user.token_hash = None
    session.flush()
    journal.record(
        session, actor=actor, action="user.token_revoke", entity_type="user", entity_id=username
    )


def by_token(session: Session, token: str) -> Account | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = session.scalar(select(User).where(User.token_hash == _token_digest(token)))
    return account(user) if user is not None and user.active else None


def by_id(session: Session, user_id: int) -> Account | None:
    user = session.get(User, user_id)
    return account(user) if user is not None and user.active else None


def password_stamp(session: Session, user_id: int) -> str | None:
    """A short fingerprint of the current password hash: a session made before a
    password change carries the old stamp and is no longer accepted."""
    digest = session.scalar(select(User.password_hash).where(User.id == user_id))
    return hashlib.sha256(digest.encode()).hexdigest()[:16] if digest else None


DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "系统管理员"),
    ("archivist", "archivist", "扶贫专干"),
    ("inspector", "inspector", "督查组"),
    ("auditor", "auditor", "审计员"),
)


def demo_accounts(session: Session, *, actor: str) -> list[tuple[str, str, str]]:
    """Create (or reset the password of) one account per role for a demo archive.

    Returns (username, role name, password) to be printed once.
    """
    out: list[tuple[str, str, str]] = []
    for username, role, name in DEMO_ACCOUNTS:
        password = generate_password()
        if session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(
                session, username, role=role, password=password, actor=actor, display_name=name
            )
        else:
            update_user(session, username, actor=actor, role=role, active=True)
            set_password(session, username, password, actor=actor)
        out.append((username, ROLES[role], password))
    return out
