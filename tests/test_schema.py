from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dangan.archive.db import Database
from dangan.archive.models import Base


def test_migrations_build_exactly_the_models(_migrated):
    db = Database(_migrated)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []


def test_schema_check_names_the_fix(tmp_path):
    import pytest

    from dangan.archive.errors import SchemaOutOfDate

    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDate, match="dangan init"):
        db.require_current()
    db.upgrade()
    db.require_current()


def test_schema_head_is_the_newest_migration(tmp_path):
    from dangan.archive.db import SCHEMA_HEAD

    db = Database(f"sqlite:///{tmp_path / 'head.db'}")
    assert db.head_revision() == SCHEMA_HEAD
    db.upgrade()
    assert db.current_revision() == SCHEMA_HEAD
