"""`dangan backup restore`: a working archive built from a backup, every hash checked.

Every file is checked against the manifest as it is copied: store objects straight into
the home's store (content-addressed, so adding one changes nothing already there), the
configuration and the database copy into a scratch folder. Only when all of them are
whole is anything replaced and the database loaded: a restore that stops on a bad or
missing file leaves no database behind in an empty home, and an archive restored over
with --force as it was. The database is then migrated to this program's schema, so a
backup made by an older release restores into a newer one. The search index is derived
data: the caller rebuilds it from the database (retention does not import search).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, make_url, select

from dangan.archive import journal
from dangan.archive.config import load_settings
from dangan.archive.db import Database
from dangan.archive.errors import InputError, IntegrityFailure, NotFound
from dangan.archive.models import Document
from dangan.retention import database_copy
from dangan.retention.backup_manifest import Entry, Manifest, latest_manifest
from dangan.retention.backup_verify import object_names
from dangan.retention.hashed_copy import copy_checked

Progress = Callable[[str, int, int], None]


@dataclass
class RestoreResult:
    home: Path
    snapshot: str
    objects: int
    bytes: int
    documents: int
    journal_events: int
    from_revision: str | None
    to_revision: str | None


def restore_backup(
    root: Path,
    home: Path,
    *,
    actor: str,
    force: bool = False,
    snapshot: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    manifest = latest_manifest(root, snapshot)
    settings = load_settings(home)
    home = settings.home
    url = settings.database_url
    kind = database_copy.kind_of(url)
    database_copy.require_kind(manifest.database, url)
    _refuse_unless_empty(home, url, kind, force)
    step = progress or (lambda _s, _d, _t: None)

    objects = manifest.of_kind("object")
    copied = 0
    for done, entry in enumerate(objects, 1):
        dest = settings.store_dir / entry.sha256[:2] / entry.sha256[2:4] / entry.sha256
        _copy(root, manifest, entry, dest, home)
        os.chmod(dest, 0o444)
        copied += entry.size
        step("复制文件", done, len(objects))

    step("恢复数据库", 0, 1)
    with tempfile.TemporaryDirectory(dir=home) as scratch:
        # Checked copies first; only then is anything already in the home replaced.
        checked = {}
        for entry in [*manifest.of_kind("config"), manifest.database_entry]:
            checked[entry.path] = Path(scratch) / Path(entry.path).name
            _copy(root, manifest, entry, checked[entry.path], home)
        if force:
            _clear(home, url, kind)
        for entry in manifest.of_kind("config"):
            os.replace(checked[entry.path], home / Path(entry.path).name)
        database_copy.load(kind, checked[manifest.database_entry.path], url)
    for folder in (settings.index_dir, settings.exports_dir):
        folder.mkdir(parents=True, exist_ok=True)
    db = Database(url)
    try:
        db.upgrade()
        revision = db.current_revision()
        with db.write() as session:
            journal.record(
                session,
                actor=actor,
                action="archive.restore",
                entity_type="archive",
                entity_id=manifest.snapshot,
                after={
                    "backup": str(root.resolve()),
                    "snapshot": manifest.snapshot,
                    "journal_seq": manifest.journal_seq,
                    "schema_from": manifest.schema_revision,
                    "schema_to": revision,
                },
            )
        with db.read() as session:
            documents = session.scalar(select(func.count()).select_from(Document)) or 0
            events, _head = journal.head(session)
    finally:
        db.dispose()
    step("恢复数据库", 1, 1)
    return RestoreResult(
        home, manifest.snapshot, len(objects), copied, documents, events,
        manifest.schema_revision, revision,
    )  # fmt: skip


def _copy(root: Path, manifest: Manifest, entry: Entry, dest: Path, home: Path) -> None:
    """Copy one file of the backup, checked against the manifest; a missing or altered
    one stops the restore, naming it (and, for an object, its file and archival codes)."""
    source = root / entry.path
    try:
        if not source.is_file():
            raise NotFound(f"{entry.path}: 备份中缺少此文件")
        copy_checked(source, dest, expected=entry.sha256, name=entry.path)
    except (IntegrityFailure, NotFound) as exc:
        label = ""
        if entry.kind == "object":
            names = object_names(manifest.database, root / manifest.database_entry.path)
            label = f"({names[entry.sha256]})" if entry.sha256 in names else ""
        raise type(exc)(f"恢复中止, {home} 不完整、不可使用: {exc}{label}") from None


def _refuse_unless_empty(home: Path, url: str, kind: str, force: bool) -> None:
    if force:
        return
    if home.exists() and any(home.iterdir()):
        raise InputError(f"{home} 不是空目录: 恢复会覆盖其中的档案库, 确需覆盖请加 --force")
    if kind == database_copy.POSTGRESQL and not database_copy.is_empty(url):
        where = make_url(url).render_as_string(hide_password=True)
        raise InputError(
            f"目标数据库 {where} 中已有表(DANGAN_DATABASE_URL): 恢复会覆盖它, 确需覆盖请加 --force"
        )


def _clear(home: Path, url: str, kind: str) -> None:
    """What --force replaces: the database, and the index and exports derived from it
    (store objects stay: content-addressed, the restored ones were just checked)."""
    if kind == database_copy.POSTGRESQL:
        database_copy.drop_everything(url)
    for derived in (home / "index", home / "exports"):
        if derived.exists():
            shutil.rmtree(derived)
