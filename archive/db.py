"""Engines, sessions and schema migrations for SQLite (one office PC) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from dangan.archive.errors import SchemaOutOfDate

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).with_name("migrations")

SCHEMA_HEAD = "0006"
"""The newest migration's revision. Opening an archive compares the database with it
rather than reading the migration scripts, so that a command that only reads does not
load Alembic (0.12 s); tests/test_schema.py checks that it is Alembic's head."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # The driver's own transaction handling is switched off so that SQLAlchemy's
    # "begin" hook below decides; WAL lets readers run beside one writer and
    # synchronous=FULL makes a commit durable before the caller is told.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # A writing transaction takes the write lock at BEGIN: a deferred one that read
    # first could not upgrade after another writer committed (SQLITE_BUSY_SNAPSHOT).
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One archive database: `read()` and `write()` give sessions that end cleanly."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"pool_pre_ping": True}
        if self.is_sqlite:
            kwargs = {"connect_args": {"timeout": 60, "check_same_thread": False}}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        writer = self.engine.execution_options(sqlite_immediate=True)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        # close() ends the transaction without expiring loaded objects, so callers
        # may keep reading what they loaded after the block.
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema -----------------------------------------------------------------

    def _alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (creates it on an empty database)."""
        from alembic import command

        command.upgrade(self._alembic_config(), "head")

    def current_revision(self) -> str | None:
        """The revision Alembic recorded in the database; None on an empty one."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.scalar(text("SELECT version_num FROM alembic_version"))

    def head_revision(self) -> str | None:
        """The newest migration among the scripts (SCHEMA_HEAD names the same one)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def require_current(self) -> None:
        current = self.current_revision()
        if current != SCHEMA_HEAD:
            raise SchemaOutOfDate(current, SCHEMA_HEAD)
