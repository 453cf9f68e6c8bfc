"""The layout of a backup folder and the manifest that lists what a snapshot holds.

    DIR/objects/ab/cd/<sha256>            store objects, shared by every snapshot (so a
                                          second backup copies only what is new)
    DIR/snapshots/<YYYYmmddTHHMMSSZ>/     one backup: the database copy, the home's
        database.sqlite | database.pgdump configuration files (config/), and
        config/scheme.toml ...            manifest.json, written last: a snapshot
        manifest.json                     without one was interrupted and is ignored

The manifest names every file a snapshot needs (its objects included) with its SHA-256,
so `verify` and `restore` check each one against it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dangan.archive.errors import InputError, NotFound

FORMAT = "dangan-backup/1"
OBJECTS = "objects"
SNAPSHOTS = "snapshots"
MANIFEST = "manifest.json"
CONFIG = "config"


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the backup folder, "/"-separated
    sha256: str
    size: int
    kind: str  # object | database | config


@dataclass
class Manifest:
    snapshot: str
    created_at: str
    database: str  # sqlite | postgresql
    schema_revision: str | None
    journal_seq: int
    journal_hash: str
    entries: list[Entry] = field(default_factory=list)
    format: str = FORMAT

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def database_entry(self) -> Entry:
        return self.of_kind("database")[0]


def object_path(sha256: str) -> str:
    return f"{OBJECTS}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def new_snapshot_name(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write the manifest durably; its appearance completes the snapshot."""
    folder = root / SNAPSHOTS / manifest.snapshot
    body = asdict(manifest)
    tmp = folder / f"{MANIFEST}.part"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / MANIFEST)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(root: Path, snapshot: str) -> Manifest:
    path = root / SNAPSHOTS / snapshot / MANIFEST
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("format") != FORMAT:
            raise InputError(f"{path}: 不认识的备份格式 {body.get('format')!r}")
        entries = [Entry(**e) for e in body.pop("entries")]
        return Manifest(**body, entries=entries)
    except FileNotFoundError:
        raise NotFound(f"备份快照 {snapshot} 不完整或不存在: 缺少 {path}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{path}: 备份清单无法读取: {exc}") from exc


def complete_snapshots(root: Path) -> list[str]:
    """Names of the snapshots with a manifest, oldest first."""
    folder = root / SNAPSHOTS
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / MANIFEST).is_file())


def latest_manifest(root: Path, snapshot: str | None = None) -> Manifest:
    """The named snapshot's manifest, or the newest complete one's."""
    if not root.is_dir():
        raise NotFound(f"备份目录不存在: {root}")
    if snapshot is None:
        names = complete_snapshots(root)
        if not names:
            raise NotFound(f"{root} 中没有完整的备份(dangan backup create -o {root} 可建立)")
        snapshot = names[-1]
    return read_manifest(root, snapshot)
