"""Receiving uploads: durable in the store and committed as `queued` before anything else.

A file's bytes go to the content-addressed store first (fsync'd), then one
transaction adds its file row, its item (status `queued`), the first pipeline
job and a journal event. Only after that commit is the caller told. A file whose
SHA-256 is already stored is reported as a duplicate of the existing item. A
ZIP is kept as received and its members are received one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.errors import StoreError
from dangan.archive.models import Document, StoredFile
from dangan.archive.queries import resolve_household, resolve_village
from dangan.ingest.exceptions import IngestError
from dangan.ingest.limits import Limits
from dangan.ingest.queue import SLOW_QUEUE, enqueue
from dangan.ingest.sniff import sniff_file
from dangan.ingest.zipfiles import check_archive, iter_members

EXTRACT_STEP = "extract"
OCR_QUEUE = SLOW_QUEUE
_JUNK = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Hints:
    """The uploader's word on where files belong (--village / --household)."""

    village: str | None = None
    household: str | None = None


@dataclass(frozen=True)
class Received:
    name: str
    outcome: str  # queued | duplicate | failed
    document_id: int | None
    message: str | None = None


def check_hints(arc: Archive, hints: Hints) -> dict[str, str]:
    """Resolve hints up front so a typo fails before anything is stored."""
    if not hints.village and not hints.household:
        return {}
    with arc.db.read() as session:
        village = resolve_village(session, hints.village) if hints.village else None
        household = (
            resolve_household(session, village, hints.household) if hints.household else None
        )
        out = {}
        if village or household:
            out["hint_village"] = (village or household.village).code  # type: ignore[union-attr]
        if household:
            out["hint_household"] = household.household_no
        return out


def _existing_item(arc: Archive, sha256: str) -> int | None:
    with arc.db.read() as session:
        return session.scalar(
            select(Document.id)
            .join(StoredFile)
            .where(StoredFile.sha256 == sha256)
            .order_by(Document.id)
            .limit(1)
        )


def _destroyed_item(arc: Archive, sha256: str) -> tuple[int | None, str] | None:
    """(item id, its code) when a blob with this hash was destroyed by a disposal."""
    with arc.db.read() as session:
        stored = session.scalar(
            select(StoredFile)
            .where(StoredFile.sha256 == sha256)
            .where(StoredFile.destroyed_at.is_not(None))
        )
        if stored is None:
            return None
        doc = session.scalar(
            select(Document).where(Document.file_id == stored.id).order_by(Document.id).limit(1)
        )
        if doc is None:
            return None, stored.original_name
        return doc.id, doc.archival_code or f"文件 {doc.id}"


def _commit_item(
    arc: Archive,
    *,
    sha256: str,
    size: int,
    name: str,
    kind: str | None,
    error: str | None,
    extra: dict[str, str],
    actor: str,
) -> Received:
    with arc.db.write() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256))
        if stored is None:
            stored = StoredFile(
                sha256=sha256, size=size, original_name=name, media_type=kind, role="original"
            )
            session.add(stored)
            session.flush()
        doc = Document(
            file=stored,
            status="failed" if error else "queued",
            error=error,
            extra=extra,
        )
        session.add(doc)
        session.flush()
        if error is None:
            enqueue(session, EXTRACT_STEP, document_id=doc.id, queue=OCR_QUEUE)
        journal.record(
            session,
            actor=actor,
            action="document.receive",
            entity_type="document",
            entity_id=doc.id,
            after={
                "name": name,
                "sha256": sha256,
                "size": size,
                "status": doc.status,
                "error": error,
                **extra,
            },
        )
        return Received(name, "failed" if error else "queued", doc.id, error)


def receive_stream(
    arc: Archive,
    stream: BinaryIO,
    name: str,
    *,
    actor: str,
    extra: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> list[Received]:
    """Receive one upload; a ZIP yields one result per member."""
    limits = limits or Limits.from_env()
    extra = dict(extra or {})
    try:
        put = arc.store.put_stream(stream, max_bytes=limits.max_file_bytes)
    except StoreError as exc:
        return [Received(name, "failed", None, f"{name}: {exc}")]
    destroyed = _destroyed_item(arc, put.sha256)
    if destroyed is not None:
        # The same bytes as content destroyed by a witnessed disposal: not brought back.
        arc.store.remove(put.sha256)
        return [
            Received(
                name,
                "duplicate",
                destroyed[0],
                f"{name}: 与已销毁的文件 {destroyed[1]} 内容相同, 不再接收",
            )
        ]
    duplicate = _existing_item(arc, put.sha256)
    if duplicate is not None:
        return [
            Received(
                name, "duplicate", duplicate, f"{name}: 与已有文件 {duplicate} 内容相同, 未重复保存"
            )
        ]
    try:
        kind = sniff_file(put.path, name)
    except IngestError as exc:
        return [
            _commit_item(
                arc,
                sha256=put.sha256,
                size=put.size,
                name=name,
                kind=None,
                error=str(exc),
                extra=extra,
                actor=actor,
            )
        ]
    if kind != "zip":
        return [
            _commit_item(
                arc,
                sha256=put.sha256,
                size=put.size,
                name=name,
                kind=kind,
                error=None,
                extra=extra,
                actor=actor,
            )
        ]
    return _receive_zip(
        arc, put.path, put.sha256, put.size, name, actor=actor, extra=extra, limits=limits
    )


def _receive_zip(
    arc: Archive,
    path: Path,
    sha256: str,
    size: int,
    name: str,
    *,
    actor: str,
    extra: dict[str, str],
    limits: Limits,
) -> list[Received]:
    try:
        check_archive(path, name, limits)
    except IngestError as exc:
        # The unsafe archive itself is kept, failed, with the reason.
        return [
            _commit_item(
                arc,
                sha256=sha256,
                size=size,
                name=name,
                kind="zip",
                error=str(exc),
                extra=extra,
                actor=actor,
            )
        ]
    results: list[Received] = []
    member_extra = {**extra, "container_sha256": sha256}
    try:
        # One member in memory at a time: an archive may hold gigabytes.
        for member, content in iter_members(path, name, limits):
            results.extend(
                receive_stream(
                    arc,
                    BytesIO(content),
                    f"{name}/{member}",
                    actor=actor,
                    extra=member_extra,
                    limits=limits,
                )
            )
    except IngestError as exc:
        results.append(Received(name, "failed", None, str(exc)))
    with arc.db.write() as session:
        if session.scalar(select(StoredFile).where(StoredFile.sha256 == sha256)) is None:
            session.add(
                StoredFile(
                    sha256=sha256, size=size, original_name=name, media_type="zip", role="container"
                )
            )
    return results


def iter_paths(paths: list[Path]) -> Iterator[Path]:
    """Files under the given paths, folders walked in name order, OS junk skipped."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and not child.name.startswith(".")
                    and child.name.lower() not in _JUNK
                ):
                    yield child
        else:
            yield path


def receive_paths(
    arc: Archive,
    paths: list[Path],
    *,
    actor: str,
    hints: Hints = Hints(),
    limits: Limits | None = None,
    on_result: Callable[[Path, list[Received]], None] | None = None,
) -> list[Received]:
    extra = check_hints(arc, hints)
    results: list[Received] = []
    for path in iter_paths(paths):
        try:
            with path.open("rb") as fh:
                got = receive_stream(arc, fh, path.name, actor=actor, extra=extra, limits=limits)
        except OSError as exc:
            got = [Received(path.name, "failed", None, f"{path}: 无法读取 ({exc.strerror})")]
        results.extend(got)
        if on_result:
            on_result(path, got)
    return results
