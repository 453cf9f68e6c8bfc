"""Fixtures: every test runs against SQLite, or against PostgreSQL when
DANGAN_TEST_DATABASE_URL names a server (a fresh database is made for the session)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from dangan.archive.context import Archive, init_archive
from dangan.archive.db import Database
from dangan.archive.models import Base

DATA = Path(__file__).with_name("data")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("DANGAN_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'dangan.db'}"
        return
    name = f"dangan_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> str:
    db = Database(database_url)
    db.upgrade()
    db.dispose()
    return database_url


def _empty_all_tables(url: str) -> None:
    db = Database(url)
    with db.write() as session:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if db.is_sqlite:
            for table in tables:
                session.execute(text(f'DELETE FROM "{table}"'))
        else:
            session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture
def db_url(_migrated: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test database, emptied, and exported so that the CLI and subprocesses use it."""
    _empty_all_tables(_migrated)
    monkeypatch.setenv("DANGAN_DATABASE_URL", _migrated)
    return _migrated


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("DANGAN_HOME", str(path))
    return path


@pytest.fixture
def arc(db_url: str, home: Path) -> Iterator[Archive]:
    archive, _ = init_archive(home, fonds="Z105", township="桑村镇")
    yield archive
    archive.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on loopback for the session."""
    from tests.carriers import redis_server

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (`make system` installs it)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def broker(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty broker, named in DANGAN_BROKER_URL for this process and the workers."""
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushall()  # job ids start again with each test's empty database
    monkeypatch.setenv("DANGAN_BROKER_URL", redis_url)
    return redis_url


@pytest.fixture(params=["pool", "celery"])
def carry(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Archive], None]:
    """Runs every waiting pipeline step to the end: in this process with the pool's own
    loop, or through real Celery workers on a real Redis. Celery carries a county's
    steps, on PostgreSQL: that run needs DANGAN_TEST_DATABASE_URL."""
    from tests.carriers import run_on_celery

    if request.param == "pool":
        from dangan.ingest.worker import work

        return lambda arc: work(arc.settings.home, until_idle=True)
    if not os.environ.get("DANGAN_TEST_DATABASE_URL"):
        pytest.skip("the Celery path runs on PostgreSQL: set DANGAN_TEST_DATABASE_URL")
    request.getfixturevalue("broker")  # set before the test receives: uploads send at commit
    return partial(run_on_celery, tmp_path)
