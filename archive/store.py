"""A write-once, content-addressed file store: `store/ab/cd/<sha256>`.

A blob is written to `store/tmp`, fsync'd, hashed, and hard-linked to its final
name; a link never replaces an existing file, so nothing is overwritten or moved.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dangan.archive.errors import IntegrityFailure, NotFound, StoreError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    path: Path
    existed: bool


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"无效的 SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_bytes(self, data: bytes) -> PutResult:
        from io import BytesIO

        return self.put_stream(BytesIO(data))

    def put_file(self, source: Path) -> PutResult:
        with source.open("rb") as fh:
            return self.put_stream(fh)

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> PutResult:
        """Store a stream durably; returns its hash. An existing blob is kept as it is."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp_path = self.tmp / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with tmp_path.open("xb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise StoreError(f"文件超过大小上限 {max_bytes} 字节")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(tmp_path, final)
                existed = False
            except FileExistsError:
                existed = True
            else:
                os.chmod(final, 0o444)
                _fsync_dir(final.parent)
            return PutResult(sha, size, final, existed)
        finally:
            tmp_path.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"存储中缺少文件 {sha256}") from None

    def read_bytes(self, sha256: str, verify: bool = False) -> bytes:
        with self.open(sha256) as fh:
            data = fh.read()
        if verify and hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityFailure(f"文件 {sha256} 的内容与其哈希不符")
        return data

    def verify(self, sha256: str) -> bool:
        """True when the blob exists and its content still hashes to its name."""
        path = self.path(sha256)
        return path.exists() and hash_file(path) == sha256

    def remove(self, sha256: str) -> bool:
        """Delete a blob; False when it was already gone. Only a witnessed disposal
        (retention/disposal.py) calls this: nothing else removes content."""
        path = self.path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def copy_to(self, sha256: str, dest: Path) -> None:
        with self.open(sha256) as src, dest.open("xb") as out:
            shutil.copyfileobj(src, out)
