"""`dangan upgrade`: bring the database's schema to this release (Alembic migrations)."""

from __future__ import annotations

from dangan.cli.common import ACTOR, console, home


def upgrade() -> None:
    """升级数据库结构到本程序的版本(升级前请先 dangan backup create)。"""
    from dangan.archive import journal
    from dangan.archive.context import open_archive
    from dangan.archive.db import SCHEMA_HEAD
    from dangan.archive.errors import NotInitialised, SchemaOutOfDate

    arc = open_archive(home(), check_schema=False)
    try:
        before = arc.db.current_revision()
        if before is None:
            raise NotInitialised(arc.settings.home)
        if before == SCHEMA_HEAD:
            console.print(f"数据库结构已是最新(版本 {before}), 无需升级")
            return
        if before > SCHEMA_HEAD:
            raise SchemaOutOfDate(before, SCHEMA_HEAD)
        arc.db.upgrade()
        after = arc.db.current_revision()
        with arc.db.write() as session:
            journal.record(
                session,
                actor=ACTOR,
                action="schema.upgrade",
                entity_type="schema",
                entity_id=after,
                before={"revision": before},
                after={"revision": after},
            )
    finally:
        arc.close()
    console.print(f"[green]数据库结构已升级[/]: {before} → {after}", highlight=False)
