"""Upgrades: an archive made with the first release's schema (Alembic revision 0001)
is upgraded to head with nothing lost, by `dangan upgrade` and by restoring its backup;
an out-of-date schema stops the server with a clear message."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, insert, select, text

from dangan.archive import journal
from dangan.archive.context import open_archive
from dangan.archive.db import SCHEMA_HEAD, Database
from dangan.archive.store import ContentStore
from dangan.retention.backup import create_backup
from dangan.retention.backup_verify import verify_backup
from tests import backups

FIRST_RELEASE = "0001"
MIGRATIONS = Path(journal.__file__).with_name("migrations")
WHEN = dt.datetime(2019, 5, 6, 7, 8, 9, 123456)
OWN_SCHEME = "# the deployment's own scheme\n"
SCAN = "贫困户申请书 王建国 (第一版时上传)".encode() * 40

# One row of every table of the first release, as its code wrote them.
FIRST_RELEASE_ROWS: dict[str, list[dict[str, Any]]] = {
    "townships": [{"id": 1, "fonds": "Z105", "name": "桑村镇"}],
    "villages": [{"id": 1, "township_id": 1, "code": "003", "name": "白沙村"}],
    "households": [
        {"id": 1, "village_id": 1, "household_no": "017", "head_name": "王建国",
         "id_number": "411081196203150010", "members": 4, "identification_year": 2015,
         "exit_year": 2018, "poverty_cause": "因病", "phone": "13800000001",
         "annual_income": 3200.5},
    ],
    "helpers": [{"id": 1, "name": "李明", "id_number": "411081197501010037"}],
    "pairings": [
        {"id": 1, "household_id": 1, "helper_id": 1, "start_date": dt.date(2016, 3, 1),
         "end_date": None},
    ],
    "files": [
        {"id": 1, "sha256": None, "size": len(SCAN),  # the hash is put in when stored "media_type": "application/pdf",
         "original_name": "王建国申请书.pdf", "role": "original", "derived_from_id": None,
         "created_at": WHEN, "last_verified_at": None},
    ],
    "documents": [
        {"id": 1, "file_id": 1, "source_pages": "1", "status": "filed", "doc_type": "H01",
         "title": "贫困户申请书", "title_made_up": False, "doc_number": None,
         "responsible": "王建国", "date": dt.date(2018, 3, 5), "year": 2018,
         "secret_level": None, "remarks": None, "retention": "Y", "village_id": 1,
         "household_id": 1, "archival_code": "Z105-FP·2018-Y-003·017-0001",
         "code_group": "Z105-FP·2018-Y-003·017", "item_no": 1, "pages": 1,
         "confidence": 0.97, "review_reasons": [], "error": None, "extra": {"hint": "王建国"},
         "created_at": WHEN, "updated_at": WHEN, "filed_at": WHEN},
    ],
    "pages": [
        {"id": 1, "document_id": 1, "page_no": 1, "text": "贫困户申请书\n户主姓名: 王建国",
         "confidence": 91.5, "engine": "tesseract"},
    ],
    "jobs": [
        {"id": 1, "document_id": 1, "step": "classify", "queue": "classify", "status": "done",
         "attempts": 1, "max_attempts": 3, "lease_owner": None, "lease_expires_at": None,
         "last_error": None, "progress_done": 1, "progress_total": 1, "payload": {},
         "created_at": WHEN, "updated_at": WHEN},
    ],
    "users": [
        {"id": 1, "username": "admin", "display_name": "管理员", "password_hash": "$argon2id$x",
         "role": "admin", "villages": [], "token_hash": None, "active": True,
         "created_at": WHEN},
    ],
}  # fmt: skip


def _first_release_archive(url: str, home: Path) -> None:
    """An archive at revision 0001, filled through its tables as they were then."""
    store = ContentStore(home / "store")
    sha = store.put_bytes(SCAN).sha256
    db = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    command.upgrade(config, FIRST_RELEASE)
    tables = MetaData()
    tables.reflect(db.engine)
    with db.write() as session:
        for name, rows in FIRST_RELEASE_ROWS.items():
            if name == "files":
                rows = [{**rows[0], "sha256": sha}]
            session.execute(insert(tables.tables[name]), rows)
        for action in ("township.create", "document.file"):
            journal.record(
                session, actor="t", action=action, entity_type="x", entity_id=1,
                after={"when": WHEN, "名称": "桑村镇"},
            )  # fmt: skip
    packaged = (MIGRATIONS.parent / "scheme.toml").read_text(encoding="utf-8")
    (home / "scheme.toml").write_text(OWN_SCHEME + packaged, encoding="utf-8")
    db.dispose()


def _first_release_tables(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the first release's tables (their columns then), in key order."""
    db = Database(url)
    tables = MetaData()
    tables.reflect(db.engine)
    out = {}
    with db.engine.connect() as conn:
        for name in [*FIRST_RELEASE_ROWS, "journal", "counters"]:
            table = tables.tables[name]
            columns = [c for c in table.c if c.name in _FIRST_COLUMNS[name]]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            out[name] = [dict(r._mapping) for r in rows]
    db.dispose()
    return out


_FIRST_COLUMNS = {
    **{name: set(rows[0]) for name, rows in FIRST_RELEASE_ROWS.items()},
    "journal": {"seq", "at", "actor", "action", "entity_type", "entity_id", "before", "after",
                "prev_hash", "hash"},
    "counters": {"key", "value"},
}  # fmt: skip


@pytest.fixture
def databases():
    yield from backups.databases()


@pytest.fixture
def old_home(tmp_path, databases, monkeypatch):
    home = tmp_path / "old"
    url = databases.fresh(home)
    home.mkdir()
    monkeypatch.setenv("DANGAN_DATABASE_URL", url)
    monkeypatch.setenv("DANGAN_HOME", str(home))
    _first_release_archive(url, home)
    return home, url


def _dangan(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("dangan")
    env = {**os.environ, "DANGAN_HOME": str(home)}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)


def test_upgrade_brings_the_first_release_to_head_with_nothing_lost(old_home):
    home, url = old_home
    before = _first_release_tables(url)
    assert Database(url).current_revision() == FIRST_RELEASE

    served = _dangan("serve", "--port", "0", home=home)
    assert served.returncode == 3
    assert f"数据库结构版本为 {FIRST_RELEASE}" in served.stderr
    assert "dangan upgrade" in served.stderr and "Traceback" not in served.stderr

    upgraded = _dangan("upgrade", home=home)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"{FIRST_RELEASE} → {SCHEMA_HEAD}" in upgraded.stdout
    db = Database(url)
    assert db.current_revision() == SCHEMA_HEAD
    db.require_current()
    after = _first_release_tables(url)
    upgrade_event = after["journal"].pop()
    assert upgrade_event["action"] == "schema.upgrade"
    assert upgrade_event["after"] == {"revision": SCHEMA_HEAD}
    after["counters"] = [
        c if c["key"] != journal.HEAD_KEY else {**c, "value": c["value"] - 1}
        for c in after["counters"]
    ]
    assert after == before
    with db.read() as session:
        assert journal.verify(session)[1] == []
    db.dispose()
    again = _dangan("upgrade", home=home)
    assert again.returncode == 0 and "无需升级" in again.stdout


def test_a_first_release_backup_restores_into_the_current_code(
    old_home, tmp_path, databases, monkeypatch
):
    home, url = old_home
    before = _first_release_tables(url)
    arc = open_archive(home, check_schema=False)  # as `dangan backup create` opens it
    result = create_backup(arc, tmp_path / "backup", actor="t")
    arc.close()
    assert (result.schema_revision, result.recorded, result.objects) == (FIRST_RELEASE, False, 1)
    assert verify_backup(tmp_path / "backup").ok

    new_home = tmp_path / "new"
    new_url = databases.fresh(new_home)
    monkeypatch.setenv("DANGAN_DATABASE_URL", new_url)
    restored = _dangan(
        "backup", "restore", str(tmp_path / "backup"), "--home", str(new_home), home=new_home
    )
    assert restored.returncode == 0, restored.stderr
    assert f"数据库结构已由 {FIRST_RELEASE} 升级到 {SCHEMA_HEAD}" in restored.stdout
    assert "全文索引已重建: 1 件" in restored.stdout
    after = _first_release_tables(new_url)
    assert after["journal"].pop()["action"] == "archive.restore"
    after["counters"] = [
        c if c["key"] != journal.HEAD_KEY else {**c, "value": c["value"] - 1}
        for c in after["counters"]
    ]
    assert after == before
    assert (new_home / "scheme.toml").read_text(encoding="utf-8").startswith(OWN_SCHEME)
    assert ContentStore(new_home / "store").verify(before["files"][0]["sha256"])
    found = _dangan("search", "王建国", "--json", home=new_home)
    assert found.returncode == 0, found.stderr
    assert '"archival_code": "Z105-FP·2018-Y-003·017-0001"' in found.stdout


def test_a_schema_newer_than_the_program_is_left_alone(old_home):
    home, url = old_home
    db = Database(url)
    with db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.dispose()
    for args in (("upgrade",), ("docs", "list")):
        result = _dangan(*args, home=home)
        assert result.returncode == 3
        assert "比本程序" in result.stderr and "新版 dangan" in result.stderr
    assert Database(url).current_revision() == "9999"
