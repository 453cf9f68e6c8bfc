"""What every command shares: the open archive, JSON output, errors as plain messages.

The command modules import the archive, the pipeline and the search engine inside the
commands that use them, so that `dangan --help` and a quick query start at once
(tests/test_cli_imports.py).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from dangan.archive.context import Archive

console = Console()
err_console = Console(stderr=True)

# The CLI acts for the person at the terminal; the journal records who that was.
ACTOR = f"cli:{os.environ.get('USER') or os.environ.get('USERNAME') or 'unknown'}"

_state: dict[str, Any] = {"home": None}


def set_home(home: str | None) -> None:
    _state["home"] = home


def home() -> str | None:
    return _state["home"]


def archive() -> Archive:
    from dangan.archive.context import open_archive

    return open_archive(_state["home"])


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


class Credentials:
    """Who a step acts for: `--as USER` with the password on standard input
    (`--password-stdin`, one line), or an API token in DANGAN_TOKEN. Witnesses confirm
    with their own credentials: with `--password-stdin`, one more line each, in the
    order their `--witness` options were given (a line may be a password or that
    user's API token); on a terminal each is asked for without echo."""

    def __init__(self, as_user: str | None, password_stdin: bool) -> None:
        self.as_user = as_user
        self.password_stdin = password_stdin

    def _secret(self, prompt: str) -> str:
        from dangan.archive.errors import InputError

        if self.password_stdin:
            line = sys.stdin.readline()
            if not line:
                raise InputError(f"标准输入中没有{prompt}")
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise InputError(f"需要{prompt}: 请加 --password-stdin 并从标准输入给出")
        import getpass

        return getpass.getpass(f"{prompt}: ")

    def _login(self, session: Any, username: str, secret: str, what: str) -> Any:
        from dangan.archive import users
        from dangan.archive.errors import NotAllowed

        account = None
        if secret.startswith(users.TOKEN_PREFIX):
            account = users.by_token(session, secret)
            account = account if account is not None and account.username == username else None
        else:
            account = users.authenticate(session, username, secret, source="cli")
        if account is None:
            raise NotAllowed(f"{what} {username} 的密码或令牌不对, 或该用户已停用")
        return account

    def actor(self, arc: Archive) -> Any:
        """The dangan user this command acts for (archive.users.Account)."""
        from dangan.archive import users
        from dangan.archive.errors import InputError, NotAllowed

        if self.as_user:
            secret = self._secret(f"用户 {self.as_user} 的密码")
            with arc.db.write() as session:
                return self._login(session, self.as_user, secret, "用户")
        token = os.environ.get("DANGAN_TOKEN", "").strip()
        if token:
            with arc.db.read() as session:
                account = users.by_token(session, token)
            if account is None:
                raise NotAllowed("DANGAN_TOKEN 中的令牌无效或其用户已停用")
            return account
        if self.password_stdin:
            raise InputError("--password-stdin 须与 --as 用户名 一起使用")
        raise InputError(
            "此步骤须以 dangan 用户身份执行: 请用 --as 用户名 --password-stdin, 或设置 DANGAN_TOKEN"
        )

    def witnesses(self, arc: Archive, usernames: list[str]) -> list[Any]:
        accounts = []
        for username in usernames:
            secret = self._secret(f"监销人 {username} 的密码")
            with arc.db.write() as session:
                accounts.append(self._login(session, username, secret, "监销人"))
        return accounts

    def optional_actor(self, arc: Archive) -> Any:
        """The dangan user when one is named, else None (the terminal's own user)."""
        if self.as_user or os.environ.get("DANGAN_TOKEN", "").strip():
            return self.actor(arc)
        return None


AS_HELP = "以该 dangan 用户身份执行(密码用 --password-stdin 给出, 或设置 DANGAN_TOKEN)"
STDIN_HELP = "从标准输入读密码: 先是 --as 用户的, 再按顺序是每个监销人的, 每行一个"
