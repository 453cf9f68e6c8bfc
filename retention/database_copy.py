"""A consistent copy of the archive database, and reading tables back out of one.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database in one
read transaction, so writers carry on (WAL) and the copy is one committed state.
PostgreSQL: `pg_dump --format=custom`, which reads one snapshot of the database;
`pg_restore` loads it. Tables are read back from a copy without loading it anywhere
(a read-only SQLite connection; `pg_restore --data-only --table` for a dump), so that
`backup verify` needs no database server.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import URL, MetaData, create_engine, inspect, make_url

from dangan.archive.errors import DanganError, InputError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
FILE_NAMES = {SQLITE: "database.sqlite", POSTGRESQL: "database.pgdump"}
_KIND_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


class DatabaseCopyError(DanganError):
    exit_code = 5


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise InputError(f"不支持备份此类数据库: {backend}")
    return backend


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise DatabaseCopyError(f"找不到 {name}: 请安装 PostgreSQL 客户端程序(postgresql-client)")
    return tool


def _pg_env(url: URL) -> dict[str, str]:
    # The password goes through the environment, not the command line (ps shows that).
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[var] = str(value)
    return env


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, env=env, capture_output=True)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise DatabaseCopyError(f"{Path(argv[0]).name} 失败: {' '.join(message[-3:])}")
    return done


def dump(url: str, folder: Path) -> Path:
    """Copy the database at `url` into `folder`; returns the copy's path."""
    kind = kind_of(url)
    dest = folder / FILE_NAMES[kind]
    if kind == SQLITE:
        source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=60)
        target = sqlite3.connect(dest)
        try:
            source.backup(target)  # all pages in one step: one read transaction
            # A single file, readable without its -wal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
    else:
        parsed = make_url(url)
        _run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--file={dest}"],
            _pg_env(parsed),
        )  # fmt: skip
    return dest


def is_empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def drop_everything(url: str) -> None:
    """Every table of the database dropped (restore --force over an existing archive)."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        with engine.begin() as conn:
            meta.reflect(conn)
            meta.drop_all(conn)
    finally:
        engine.dispose()


def require_kind(kind: str, url: str) -> None:
    """A copy loads only into a database of its own kind."""
    target_kind = kind_of(url)
    if target_kind != kind:
        raise InputError(
            f"此备份的数据库是 {_KIND_NAMES[kind]}, 目标是 {_KIND_NAMES[target_kind]}: "
            f"请恢复到 {_KIND_NAMES[kind]}(PostgreSQL 用 DANGAN_DATABASE_URL 指定)"
        )


def load(kind: str, copy: Path, url: str) -> None:
    """Load a database copy into the (empty) database at `url`; SQLite copies the file."""
    require_kind(kind, url)
    if kind == SQLITE:
        path = sqlite_path(url)
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(copy, path)
    else:
        _run(
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={make_url(url).database}", str(copy)],
            _pg_env(make_url(url)),
        )  # fmt: skip


def table_rows(kind: str, copy: Path, table: str) -> Iterator[dict[str, str | None]]:
    """The rows of `table` in a database copy, every value as text (None for NULL), in
    the order of the table's primary key."""
    if kind == SQLITE:
        yield from _sqlite_rows(copy, table)
    else:
        yield from _pgdump_rows(copy, table)


def _sqlite_rows(copy: Path, table: str) -> Iterator[dict[str, str | None]]:
    # immutable=1: nothing is written beside the copy, not even a lock
    conn = sqlite3.connect(f"file:{copy}?mode=ro&immutable=1", uri=True)
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if not exists:
            return
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield {n: (None if v is None else str(v)) for n, v in zip(names, row, strict=True)}
    except sqlite3.DatabaseError as exc:
        raise DatabaseCopyError(f"{copy}: 无法读取数据库副本: {exc}") from exc
    finally:
        conn.close()


def _pgdump_rows(copy: Path, table: str) -> Iterator[dict[str, str | None]]:
    argv = [_pg_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-", str(copy)]
    out = _run(argv).stdout.decode()
    columns: list[str] | None = None
    rows = []
    for line in out.split("\n"):
        if columns is None:
            if line.startswith(f"COPY public.{table} ("):
                inside = line[line.index("(") + 1 : line.rindex(")")]
                columns = [c.strip().strip('"') for c in inside.split(",")]
            continue
        if line == "\\.":
            break
        values = [_copy_value(v) for v in line.split("\t")]
        rows.append(dict(zip(columns, values, strict=True)))
    if columns:  # COPY writes rows in storage order; callers expect key order
        rows.sort(key=lambda row: _key_order(row[columns[0]]))
    yield from rows


def _key_order(value: str | None) -> tuple[int, int, str]:
    """Numbers by value (seq 10 after seq 9), text by text."""
    if value is not None and value.isdigit():
        return (0, int(value), "")
    return (1, 0, value or "")


_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _copy_value(text: str) -> str | None:
    r"""A value of PostgreSQL's COPY text format: \N is NULL, backslash escapes."""
    if text == "\\N":
        return None
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt.isdigit():  # octal \ddd
                digits = text[i + 1 : i + 4]
                out.append(chr(int(digits, 8)))
                i += 1 + len(digits)
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
