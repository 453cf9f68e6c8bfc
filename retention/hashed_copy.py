"""Copying a file while hashing it, so that what lands is known to be what was meant."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from dangan.archive.errors import IntegrityFailure

_CHUNK = 1 << 20


def hash_and_size(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_checked(
    source: Path, dest: Path, *, expected: str | None = None, name: str | None = None
) -> tuple[str, int]:
    """Copy `source` to `dest` by way of a temporary file, returning (sha256, size).

    With `expected`, a copy whose content hashes otherwise is removed and an
    IntegrityFailure naming `name` (or the source) is raised: `dest` is never written
    with bad content. An existing `dest` is replaced only once the copy is whole.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    digest, size = hashlib.sha256(), 0
    try:
        with source.open("rb") as src, tmp.open("xb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        if expected is not None and sha != expected:
            raise IntegrityFailure(
                f"{name or source}: 内容与 SHA-256 不符(应为 {expected[:12]}…, 实为 {sha[:12]}…)"
            )
        os.replace(tmp, dest)
        return sha, size
    finally:
        tmp.unlink(missing_ok=True)
