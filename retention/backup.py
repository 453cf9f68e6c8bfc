"""`dangan backup create`: a consistent, incremental backup of a whole archive.

Order makes it consistent while the server and workers run: the database is copied
first (one committed state), then the store is walked. The store is write-once and an
upload's object is in it before its row is committed, so every object the copy refers
to is found; objects that arrived after the copy are taken too, harmlessly. Objects
already in the backup folder are not copied again (their name is their hash, checked
when they were first copied). The manifest is written last: a backup cut short leaves
no manifest, and the previous snapshot stays the one restored.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.db import SCHEMA_HEAD
from dangan.archive.errors import DanganError, InputError, IntegrityFailure
from dangan.archive.models import Backup, JournalEvent, utcnow
from dangan.retention import database_copy
from dangan.retention.backup_manifest import (
    CONFIG,
    SNAPSHOTS,
    Entry,
    Manifest,
    complete_snapshots,
    new_snapshot_name,
    object_path,
    write_manifest,
)
from dangan.retention.hashed_copy import copy_checked, hash_and_size

KEEP_SNAPSHOTS = 7
"""Snapshots kept in a backup folder (a week of daily backups); objects are kept."""

# The home's own files that are not configuration: the database and its companions.
_NOT_CONFIG = {"dangan.db", "dangan.db-wal", "dangan.db-shm", "dangan.db-journal"}

Progress = Callable[[str, int, int], None]
"""(stage, done, total): stages are 数据库快照, 复制文件, 写入清单."""


class BackupFailed(DanganError):
    """The backup folder could not be written (disk full, network path gone...)."""

    exit_code = 5

    def __init__(self, reason: str) -> None:
        super().__init__(f"备份失败: {reason}")


@dataclass
class BackupResult:
    target: Path
    snapshot: str
    database: str
    schema_revision: str | None
    objects: int = 0
    objects_copied: int = 0
    bytes_copied: int = 0
    bytes_total: int = 0
    journal_seq: int = 0
    journal_hash: str = journal.GENESIS
    seconds: float = 0.0
    recorded: bool = False
    problems: list[str] = field(default_factory=list)


def last_good_backup(session: Session) -> Backup | None:
    """The newest backup that finished whole (for the dashboard and the 四性 check)."""
    return session.scalar(
        select(Backup)
        .where(Backup.status == "ok")
        .order_by(Backup.finished_at.desc(), Backup.id.desc())
        .limit(1)
    )


def store_objects(store_root: Path) -> Iterator[tuple[str, Path, int]]:
    """(sha256, path, size) of every object in a content-addressed store."""
    if not store_root.is_dir():
        return
    for first in sorted(os.scandir(store_root), key=lambda e: e.name):
        if len(first.name) != 2 or not first.is_dir():
            continue  # store/tmp and anything else that is not an object folder
        for second in sorted(os.scandir(first.path), key=lambda e: e.name):
            if not second.is_dir():
                continue
            for entry in sorted(os.scandir(second.path), key=lambda e: e.name):
                if len(entry.name) == 64 and entry.is_file():
                    yield entry.name, Path(entry.path), entry.stat().st_size


def config_files(home: Path) -> list[Path]:
    """The home's own files (scheme.toml, audit.toml, rubric.toml, secret.key...): every
    regular file at its top level but the database."""
    if not home.is_dir():
        return []
    return sorted(p for p in home.iterdir() if p.is_file() and p.name not in _NOT_CONFIG)


class _Lock:
    """One backup at a time writes a backup folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"

    def __enter__(self) -> _Lock:
        self.fh = self.path.open("a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise InputError(f"另一个备份正在写入 {self.path.parent}, 请稍后再试") from None
        return self

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def create_backup(
    arc: Archive,
    target: Path,
    *,
    actor: str,
    progress: Progress | None = None,
    keep: int = KEEP_SNAPSHOTS,
) -> BackupResult:
    """Back the archive up into `target`; records the run when the schema allows (an
    archive waiting for `dangan upgrade` is backed up all the same, unrecorded)."""
    target = target.resolve()
    home = arc.settings.home
    if target == home or home in target.parents:
        raise InputError(f"备份目录不能在档案库目录之内: {target}")
    # Recorded once it ends, so that the snapshot holds no unfinished record of itself.
    recordable = arc.db.current_revision() == SCHEMA_HEAD
    started = utcnow()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with _Lock(target):
            result = _write_snapshot(arc, target, progress or _quiet)
            _prune(target, keep)
    except (DanganError, OSError) as exc:
        failure = exc if isinstance(exc, DanganError) else BackupFailed(f"{target}: {exc}")
        if recordable:
            _record(arc, target, started, actor, None, error=str(failure))
        raise failure from None
    result.seconds = (utcnow() - started).total_seconds()
    if recordable:
        _record(arc, target, started, actor, result)
        result.recorded = True
    if result.problems:
        raise IntegrityFailure(
            f"备份未完成({len(result.problems)} 处问题, 快照未写入清单): "
            + "; ".join(result.problems[:5])
        )
    return result


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


def _write_snapshot(arc: Archive, target: Path, progress: Progress) -> BackupResult:
    name = new_snapshot_name()
    folder = target / SNAPSHOTS / name
    (folder / CONFIG).mkdir(parents=True)
    kind = database_copy.kind_of(arc.settings.database_url)

    progress("数据库快照", 0, 1)
    copy = database_copy.dump(arc.settings.database_url, folder)
    db_sha, db_size = hash_and_size(copy)
    revision = next(
        (r["version_num"] for r in database_copy.table_rows(kind, copy, "alembic_version")),
        None,
    )
    seq = next(
        (
            int(r["value"] or 0)
            for r in database_copy.table_rows(kind, copy, "counters")
            if r["key"] == journal.HEAD_KEY
        ),
        0,
    )
    progress("数据库快照", 1, 1)
    result = BackupResult(target, name, kind, revision, journal_seq=seq)
    if seq:
        # Events never change once written, so the live journal gives the copy's hash.
        with arc.db.read() as session:
            event = session.get(JournalEvent, seq)
            result.journal_hash = event.hash if event else journal.GENESIS
    entries = [Entry(f"{SNAPSHOTS}/{name}/{copy.name}", db_sha, db_size, "database")]

    objects = list(store_objects(arc.settings.store_dir))
    result.objects = len(objects)
    for done, (sha, path, size) in enumerate(objects, 1):
        relative = object_path(sha)
        dest = target / relative
        result.bytes_total += size
        if not (dest.exists() and dest.stat().st_size == size):
            try:
                copy_checked(path, dest, expected=sha, name=f"存储对象 {sha}")
            except IntegrityFailure as exc:
                result.problems.append(str(exc))
            else:
                os.chmod(dest, 0o444)
                result.objects_copied += 1
                result.bytes_copied += size
        entries.append(Entry(relative, sha, size, "object"))
        progress("复制文件", done, len(objects))
    held = {sha for sha, _p, _s in objects}
    for row in database_copy.table_rows(kind, copy, "files"):
        if row["sha256"] not in held:
            result.problems.append(
                f"存储中缺少对象 {row['sha256']}(文件 {row['original_name']}), 数据库记录了它"
            )

    for source in config_files(arc.settings.home):
        relative = f"{SNAPSHOTS}/{name}/{CONFIG}/{source.name}"
        sha, size = copy_checked(source, target / relative)
        entries.append(Entry(relative, sha, size, "config"))

    if result.problems:
        return result
    progress("写入清单", 0, 1)
    os.sync()  # every copy on the disk before the manifest says the snapshot is whole
    write_manifest(
        target,
        Manifest(
            snapshot=name,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            database=kind,
            schema_revision=revision,
            journal_seq=seq,
            journal_hash=result.journal_hash,
            entries=entries,
        ),
    )
    progress("写入清单", 1, 1)
    return result


def _prune(target: Path, keep: int) -> None:
    """Keep the newest `keep` whole snapshots; drop older ones and interrupted ones
    older than the newest whole one (a running backup's folder is newer)."""
    whole = complete_snapshots(target)
    if not whole:
        return
    kept = set(whole[-keep:])
    newest = whole[-1]
    for folder in (target / SNAPSHOTS).iterdir():
        if folder.name not in kept and folder.name < newest:
            shutil.rmtree(folder)


def _record(
    arc: Archive,
    target: Path,
    started: dt.datetime,
    actor: str,
    result: BackupResult | None,
    error: str | None = None,
) -> None:
    if result is not None and result.problems:
        error = "; ".join(result.problems[:20])
    with arc.db.write() as session:
        row = Backup(
            target=str(target),
            status="failed" if error else "ok",
            started_at=started,
            finished_at=utcnow(),
            actor=actor,
            error=error,
        )
        if result is not None:
            row.snapshot = result.snapshot
            row.objects = result.objects
            row.objects_copied = result.objects_copied
            row.bytes_copied = result.bytes_copied
            row.journal_seq = result.journal_seq
            row.journal_hash = result.journal_hash
        session.add(row)
        session.flush()
        journal.record(
            session,
            actor=actor,
            action="backup.create",
            entity_type="backup",
            entity_id=row.id,
            after={
                "status": row.status,
                "target": row.target,
                "snapshot": row.snapshot,
                "objects": row.objects,
                "objects_copied": row.objects_copied,
                "journal_seq": row.journal_seq,
                "error": error,
            },
        )
