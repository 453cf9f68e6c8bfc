"""Backups: made while an ingest runs, restored whole; verify and restore refuse damage,
naming the object; a second backup copies only what is new."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.archive.context import open_archive
from dangan.archive.errors import IntegrityFailure, NotFound
from dangan.archive.models import Backup, Document, JournalEvent
from dangan.archive.store import hash_file
from dangan.ingest.worker import work
from dangan.retention.backup import BackupFailed, create_backup, last_good_backup
from dangan.retention.backup_manifest import object_path
from dangan.retention.backup_verify import verify_backup
from dangan.retention.restore import restore_backup
from dangan.search.service import SearchService
from tests import backups, factories
from tests.waiting import wait_until

QUERIES = ("申请书", "扶贫手册 王建国", "鸡苗", "张秀英")


@pytest.fixture
def databases():
    yield from backups.databases()


def _restore(root, new_home, databases, monkeypatch, **kwargs):  # type: ignore[no-untyped-def]
    """Restore into `new_home` with its own fresh database, as the CLI does, index
    rebuilt; returns the restored archive."""
    monkeypatch.setenv("DANGAN_DATABASE_URL", databases.fresh(new_home))
    restore_backup(root, new_home, actor="t", **kwargs)
    restored = open_archive(new_home)
    service = SearchService(restored)
    try:
        service.rebuild()
    finally:
        service.close()
    return restored


def _search_ids(arc) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    service = SearchService(arc)
    try:
        return {
            q: [h["id"] for h in service.search(q, status="all", limit=100)["hits"]]
            for q in QUERIES
        }
    finally:
        service.close()


def test_backup_while_ingesting_restores_the_same_archive(arc, tmp_path, databases, monkeypatch):
    backups.import_test_roster(arc)
    for n in range(3):
        backups.upload(arc, n)
    work(arc.settings.home, until_idle=True)

    stop_worker, backed_up, stop_uploads = threading.Event(), threading.Event(), threading.Event()
    uploaded_after: list[int] = []

    def keep_uploading() -> None:
        n = 3
        while not stop_uploads.is_set():
            document_id = backups.upload(arc, n)
            if backed_up.is_set():
                uploaded_after.append(document_id)
            n += 1

    worker = threading.Thread(
        target=work, args=(arc.settings.home,), kwargs={"should_stop": stop_worker.is_set}
    )
    uploader = threading.Thread(target=keep_uploading)
    worker.start()
    uploader.start()
    try:
        wait_until(lambda: len(backups.items(arc)) >= 6, 60, "uploads under way")
        during = create_backup(arc, tmp_path / "backup", actor="t")
        backed_up.set()
        wait_until(lambda: len(uploaded_after) >= 2, 60, "uploads after the backup")
    finally:
        stop_uploads.set()
        uploader.join()
    try:
        wait_until(
            lambda: all(s not in ("queued", "processing") for _i, _c, s, _h in backups.items(arc)),
            120,
            "the ingest to finish",
        )
    finally:
        stop_worker.set()
        worker.join()
    after = create_backup(arc, tmp_path / "backup", actor="t")
    source_items = backups.items(arc)
    source_journal = backups.journal_hashes(arc)
    source_search = _search_ids(arc)
    assert sum(1 for _i, code, _s, _h in source_items if code) >= 6  # filed with codes
    assert verify_backup(tmp_path / "backup", during.snapshot).ok
    assert verify_backup(tmp_path / "backup").ok

    # The backup taken mid-ingest: one consistent earlier state of the same archive.
    mid = _restore(
        tmp_path / "backup", tmp_path / "mid", databases, monkeypatch, snapshot=during.snapshot
    )
    mid_items = backups.items(mid)
    source_by_id = {i: (code, sha) for i, code, _s, sha in source_items}
    assert all(source_by_id[i][1] == sha for i, _c, _s, sha in mid_items)
    assert all(code == source_by_id[i][0] for i, code, _s, _h in mid_items if code)
    assert len(mid_items) >= 6
    assert not {i for i, *_ in mid_items} & set(uploaded_after)
    mid_journal = backups.journal_hashes(mid)
    assert mid_journal[:-1] == source_journal[: len(mid_journal) - 1]
    assert mid_journal[-1][1] == "archive.restore"
    with mid.db.read() as session:
        for document in session.scalars(select(Document)):
            assert mid.store.verify(document.file.sha256), document.id
    mid.close()

    # The backup taken after it: the same items, codes, journal and search results.
    restored = _restore(tmp_path / "backup", tmp_path / "restored", databases, monkeypatch)
    assert backups.items(restored) == source_items
    restored_journal = backups.journal_hashes(restored)
    assert restored_journal[: after.journal_seq] == source_journal[: after.journal_seq]
    assert [a for _s, a, _h in restored_journal[after.journal_seq :]] == ["archive.restore"]
    assert _search_ids(restored) == source_search
    assert all(source_search.values())
    restored.close()


def _archive_with_two_items(arc):  # type: ignore[no-untyped-def]
    with arc.db.write() as session:
        village = factories.village(session, arc)
        household = factories.household(session, village)
        shas = []
        for n, doc_type in enumerate(("H01", "H07"), 1):
            doc = factories.document(
                session, arc, village_row=village, household_row=household, doc_type=doc_type,
                content=f"第 {n} 件的内容 {doc_type}".encode() * 50,
            )  # fmt: skip
            doc.archival_code = f"Z105-FP·2018-Y-003·017-{n:04d}"
            doc.status = "filed"
            shas.append(doc.file.sha256)
    return shas


def _damage(root: Path, sha: str, how: str) -> Path:
    path = root / object_path(sha)
    if how == "missing":
        path.unlink()
    else:
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    return path


def _dangan(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("dangan")
    env = {**os.environ, "DANGAN_HOME": str(home)}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("how", ["flipped", "missing"])
def test_verify_and_restore_refuse_a_damaged_object_naming_it(
    arc, tmp_path, databases, monkeypatch, how
):
    _first, second = _archive_with_two_items(arc)
    root = tmp_path / "backup"
    create_backup(arc, root, actor="t")
    assert verify_backup(root).ok
    _damage(root, second, how)

    result = verify_backup(root)
    assert [p.what for p in result.problems] == [object_path(second)]
    message = result.problems[0].message
    assert ("缺失" if how == "missing" else "SHA-256 不符") in message
    assert "Z105-FP·2018-Y-003·017-0002" in message  # named by its archival code too

    verified = _dangan("backup", "verify", str(root), home=arc.settings.home)
    assert verified.returncode == 6
    assert second in verified.stderr and "017-0002" in verified.stderr
    assert "Traceback" not in verified.stderr

    new_home = tmp_path / "restored"
    monkeypatch.setenv("DANGAN_DATABASE_URL", databases.fresh(new_home))
    with pytest.raises((IntegrityFailure, NotFound)) as failed:
        restore_backup(root, new_home, actor="t")
    assert second in str(failed.value) and "017-0002" in str(failed.value)
    assert not (new_home / "dangan.db").exists()  # no half archive that opens

    restored = _dangan("backup", "restore", str(root), "--home", str(new_home), "--force",
                       home=arc.settings.home)  # fmt: skip
    assert restored.returncode in (4, 6)
    assert second in restored.stderr and "Traceback" not in restored.stderr


def test_verify_finds_an_altered_journal_in_the_snapshot(arc, tmp_path):
    import sqlite3

    if not arc.db.is_sqlite:
        pytest.skip("the snapshot is edited in place: a SQLite file")
    _archive_with_two_items(arc)
    root = tmp_path / "backup"
    result = create_backup(arc, root, actor="t")
    copy = root / "snapshots" / result.snapshot / "database.sqlite"
    os.chmod(copy, 0o644)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 1")
    conn.close()
    problems = verify_backup(root).problems
    assert [p.what for p in problems] == [f"snapshots/{result.snapshot}/database.sqlite"]

    # Even with the manifest forged to match, the journal chain gives it away.
    manifest_path = root / "snapshots" / result.snapshot / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["entries"][0]["sha256"] = hash_file(copy)
    manifest_path.write_text(json.dumps(manifest))
    problems = verify_backup(root).problems
    assert [p.what for p in problems] == ["journal"]
    assert "第 1 条" in problems[0].message and "被修改" in problems[0].message


def test_second_backup_copies_only_the_new_upload(arc, tmp_path):
    _archive_with_two_items(arc)
    root = tmp_path / "backup"
    first = create_backup(arc, root, actor="t")
    assert (first.objects, first.objects_copied) == (2, 2)
    with arc.db.write() as session:
        new = factories.stored_file(arc, session, b"new upload " * 100, "new.pdf")
        sha, size = new.sha256, new.size
    before = {p: p.stat().st_mtime_ns for p in (root / "objects").rglob("*") if p.is_file()}
    second = create_backup(arc, root, actor="t")
    assert (second.objects, second.objects_copied, second.bytes_copied) == (3, 1, size)
    after = {p: p.stat().st_mtime_ns for p in (root / "objects").rglob("*") if p.is_file()}
    assert set(after) - set(before) == {root / object_path(sha)}
    assert all(after[p] == t for p, t in before.items())  # nothing rewritten
    assert verify_backup(root).ok
    with arc.db.read() as session:
        records = session.scalars(select(Backup).order_by(Backup.id)).all()
        assert [(r.status, r.objects_copied) for r in records] == [("ok", 2), ("ok", 1)]
        assert last_good_backup(session).snapshot == second.snapshot  # type: ignore[union-attr]
        events = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "backup.create")
        ).all()
        assert [e.after["snapshot"] for e in events] == [first.snapshot, second.snapshot]


def test_restore_refuses_a_home_that_is_not_empty(arc, tmp_path, databases, monkeypatch):
    _archive_with_two_items(arc)
    root = tmp_path / "backup"
    made = _dangan("backup", "create", "-o", str(root), home=arc.settings.home)
    assert made.returncode == 0, made.stderr
    assert "备份完成" in made.stdout and "本次复制 2 个" in made.stdout
    again = _dangan("backup", "create", "-o", str(root), "--json", home=arc.settings.home)
    assert json.loads(again.stdout)["objects_copied"] == 0
    new_home = tmp_path / "occupied"
    new_home.mkdir()
    (new_home / "notes.txt").write_text("keep me")
    result = _dangan(
        "backup", "restore", str(root), "--home", str(new_home), home=arc.settings.home
    )
    assert result.returncode == 2
    assert "--force" in result.stderr and str(new_home) in result.stderr
    assert (new_home / "notes.txt").read_text() == "keep me"

    env_url = databases.fresh(new_home)
    monkeypatch.setenv("DANGAN_DATABASE_URL", env_url)
    forced = _dangan("backup", "restore", str(root), "--home", str(new_home), "--force",
                     home=arc.settings.home)  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert "恢复完成" in forced.stdout and "档案条目 2 件" in forced.stdout
    assert _dangan("journal", "verify", home=new_home).returncode == 0


def test_a_failed_backup_is_recorded_and_not_good(arc, tmp_path):
    _archive_with_two_items(arc)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(BackupFailed, match="备份失败") as failed:
        create_backup(arc, blocker / "backup", actor="t")
    assert str(blocker) in str(failed.value)
    with arc.db.read() as session:
        [row] = session.scalars(select(Backup)).all()
        assert row.status == "failed" and row.error
        assert last_good_backup(session) is None


def test_a_failed_forced_restore_leaves_the_archive_it_would_replace(
    arc, tmp_path, databases, monkeypatch
):
    _archive_with_two_items(arc)
    root = tmp_path / "backup"
    result = create_backup(arc, root, actor="t")
    restored = _restore(root, tmp_path / "restored", databases, monkeypatch)
    items, events = backups.items(restored), backups.journal_hashes(restored)
    restored.close()
    copy = next((root / "snapshots" / result.snapshot).glob("database.*"))
    os.chmod(copy, 0o644)
    with copy.open("r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(IntegrityFailure, match=copy.name):
        restore_backup(root, tmp_path / "restored", actor="t", force=True)
    again = open_archive(tmp_path / "restored")
    assert backups.items(again) == items
    assert backups.journal_hashes(again) == events
    again.close()
