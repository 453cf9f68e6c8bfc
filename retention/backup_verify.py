"""`dangan backup verify`: is a backup whole, and would it restore?

Every file the snapshot's manifest names is present with its SHA-256; the database
copy's journal chain verifies and reaches the event the manifest recorded; every file
the database refers to is among the snapshot's objects. A failure names the object:
its hash, and the file name and archival codes the database copy gives it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dangan.archive import journal
from dangan.archive.errors import DanganError
from dangan.archive.models import JournalEvent
from dangan.retention import database_copy
from dangan.retention.backup_manifest import Entry, Manifest, latest_manifest
from dangan.retention.hashed_copy import hash_and_size


@dataclass(frozen=True)
class Problem:
    what: str  # the path in the backup, or "journal"
    message: str


@dataclass
class VerifyResult:
    root: Path
    snapshot: str
    created_at: str
    schema_revision: str | None
    checked: int = 0
    bytes: int = 0
    journal_events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_entry(root: Path, entry: Entry) -> str | None:
    """Why the entry's file does not match the manifest, or None when it does."""
    path = root / entry.path
    if not path.is_file():
        return "缺失"
    sha, size = hash_and_size(path)
    if sha != entry.sha256:
        return f"内容与 SHA-256 不符(大小 {size}, 清单记录 {entry.size})"
    return None


def verify_backup(
    root: Path,
    snapshot: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    manifest = latest_manifest(root, snapshot)
    result = VerifyResult(root, manifest.snapshot, manifest.created_at, manifest.schema_revision)
    broken: dict[str, str] = {}
    for done, entry in enumerate(manifest.entries, 1):
        reason = check_entry(root, entry)
        result.checked += 1
        result.bytes += entry.size
        if reason:
            broken[entry.sha256] = reason
            result.problems.append(Problem(entry.path, reason))
        if progress:
            progress(done, len(manifest.entries))
    database = manifest.database_entry
    if database.sha256 in broken:
        return result  # nothing more can be read from a damaged database copy
    copy = root / database.path
    try:
        _check_journal(manifest, copy, result)
        _check_files_held(manifest, copy, result)
    except DanganError as exc:
        result.problems.append(Problem(database.path, str(exc)))
    if broken:
        names = object_names(manifest.database, copy)
        result.problems = [
            Problem(p.what, f"{p.message}; {names[sha]}")
            if (sha := Path(p.what).name) in names
            else p
            for p in result.problems
        ]
    return result


def _journal_events(kind: str, copy: Path) -> Iterator[JournalEvent]:
    for row in database_copy.table_rows(kind, copy, "journal"):
        yield JournalEvent(
            seq=int(row["seq"] or 0),
            at=dt.datetime.fromisoformat(row["at"] or ""),
            actor=row["actor"],
            action=row["action"],
            entity_type=row["entity_type"],
            entity_id=row["entity_id"],
            before=_json(row["before"]),
            after=_json(row["after"]),
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )


def _json(text: str | None) -> object:
    return None if text is None else json.loads(text)


def _check_journal(manifest: Manifest, copy: Path, result: VerifyResult) -> None:
    kind = manifest.database
    last: list[JournalEvent] = []

    def events() -> Iterator[JournalEvent]:
        for event in _journal_events(kind, copy):
            last[:] = [event]
            yield event

    def recorded_head() -> int:
        rows = database_copy.table_rows(kind, copy, "counters")
        return next((int(r["value"] or 0) for r in rows if r["key"] == journal.HEAD_KEY), 0)

    count, problems = journal.verify_events(events(), recorded_head)
    result.journal_events = count
    for p in problems:
        result.problems.append(Problem("journal", f"操作日志第 {p.seq} 条: {p.reason}"))
    head = last[0] if last else None
    if manifest.journal_seq and (
        head is None or head.seq != manifest.journal_seq or head.hash != manifest.journal_hash
    ):
        result.problems.append(
            Problem(
                "journal",
                f"操作日志末条与清单不符: 清单记录第 {manifest.journal_seq} 条 "
                f"{manifest.journal_hash[:12]}…",
            )
        )


def _check_files_held(manifest: Manifest, copy: Path, result: VerifyResult) -> None:
    held = {e.sha256 for e in manifest.of_kind("object")}
    for row in database_copy.table_rows(manifest.database, copy, "files"):
        if row["sha256"] not in held:
            result.problems.append(
                Problem(
                    f"objects/{row['sha256']}",
                    f"数据库记录的文件 {row['original_name']} 不在备份中",
                )
            )


def object_names(kind: str, copy: Path) -> dict[str, str]:
    """sha256 -> "文件 X.pdf, 档号 A、B" from a database copy, to name broken objects
    (empty when the copy cannot be read: the object is then named by its hash alone)."""
    try:
        files = {
            row["id"]: (row["sha256"], row["original_name"])
            for row in database_copy.table_rows(kind, copy, "files")
        }
        codes: dict[str, list[str]] = {}
        for row in database_copy.table_rows(kind, copy, "documents"):
            if row["file_id"] in files and row["archival_code"]:
                codes.setdefault(row["file_id"], []).append(row["archival_code"])
    except DanganError:
        return {}
    names = {}
    for file_id, (sha, original) in files.items():
        label = f"文件 {original}"
        if codes.get(file_id):
            label += f", 档号 {'、'.join(codes[file_id])}"
        names[sha] = label
    return names
