"""Unpacking uploaded ZIP files safely.

The whole archive (and any ZIP nested one level inside it) is checked before the first
member is handed out, so a bad archive is refused as a whole and nothing of it is filed:
no path traversal (`../`, absolute paths, drive letters), no links or device files,
no encrypted members, no nesting deeper than one level, and the limits on entry count,
unpacked size and compression ratio.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import IO

from dangan.ingest.exceptions import CorruptFile, EncryptedDocument, LimitExceeded, UnsafeArchive
from dangan.ingest.limits import Limits, human_bytes

MAX_DEPTH = 1
"""A ZIP may hold ZIPs, but those may not hold further ZIPs."""
RATIO_MIN_BYTES = 1024 * 1024
"""A member's compression ratio is checked once it unpacks to more than this."""

_JUNK_DIRS = {"__MACOSX"}
_JUNK_FILES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 20


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's path as the user's zip tool meant it.

    Without the UTF-8 flag (bit 0x800) Python decodes names as cp437; Chinese Windows
    tools write GBK there, and some others write UTF-8 without setting the flag.
    """
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def is_junk(path: str) -> bool:
    """OS clutter that is never a document: __MACOSX/, .DS_Store, Thumbs.db, ._* forks."""
    parts = PurePosixPath(path).parts
    if any(p in _JUNK_DIRS for p in parts[:-1]):
        return True
    base = parts[-1] if parts else ""
    return base.lower() in _JUNK_FILES or base.startswith("._")


def _check_path(archive: str, path: str) -> str:
    """The member path normalised to forward slashes; UnsafeArchive if it could escape."""
    p = path.replace("\\", "/")
    if "\x00" in p:
        raise UnsafeArchive(archive, f"压缩包内文件名含有空字符: {path!r}")
    if p.startswith("/") or _DRIVE.match(p):
        raise UnsafeArchive(archive, f"压缩包内含有绝对路径 “{path}”，已拒绝 (路径穿越)")
    parts = [part for part in p.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(archive, f"压缩包内路径 “{path}” 指向压缩包之外，已拒绝 (路径穿越)")
    return "/".join(parts)


def _file_type(info: zipfile.ZipInfo) -> int:
    """The Unix file type bits of a member (0 when the zip tool recorded none)."""
    return stat.S_IFMT(info.external_attr >> 16)


def _is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class _Budget:
    """Counts shared by an archive and the archives nested in it."""

    limits: Limits
    name: str
    entries: int = 0
    total: int = 0
    seen: set[str] = field(default_factory=set)

    def add_entry(self) -> None:
        self.entries += 1
        if self.entries > self.limits.max_zip_entries:
            raise LimitExceeded(
                self.name, f"压缩包内文件超过 {self.limits.max_zip_entries} 个，已拒绝"
            )

    def add_bytes(self, n: int) -> None:
        self.total += n
        if self.total > self.limits.max_zip_total_bytes:
            raise LimitExceeded(
                self.name,
                f"压缩包解压后总大小超过上限 {human_bytes(self.limits.max_zip_total_bytes)}，已拒绝",
            )


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    path: str
    nested: list[_Member] | None = None  # the members of a nested ZIP, already checked


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, path: str, limit: int) -> bytes:
    """A member's bytes, refusing more than `limit` whatever its header declares."""
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                out += chunk
                if len(out) > limit:
                    raise LimitExceeded(
                        archive, f"压缩包内文件 “{path}” 解压后超过上限 {human_bytes(limit)}"
                    )
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as err:
        raise CorruptFile(archive, f"压缩包内文件 “{path}” 无法解压 ({err})") from err
    return bytes(out)


def _scan(
    source: str | Path | IO[bytes], archive: str, budget: _Budget, depth: int, prefix: str
) -> list[_Member]:
    """Check every member of one ZIP; return the regular files to hand out, in order."""
    limits = budget.limits
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        where = f"压缩包内的 “{prefix.rstrip('/')}”" if prefix else "ZIP 压缩包"
        raise CorruptFile(archive, f"{where}已损坏或不完整，无法读取目录 ({err})") from err
    with zf:
        infos = zf.infolist()
        if budget.entries + len(infos) > limits.max_zip_entries:
            raise LimitExceeded(
                archive,
                f"压缩包内有 {budget.entries + len(infos)} 个条目，超过上限 {limits.max_zip_entries} 个",
            )
        declared = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if budget.total + declared > limits.max_zip_total_bytes:
            raise LimitExceeded(
                archive,
                f"压缩包解压后总大小 {human_bytes(budget.total + declared)} 超过上限 "
                f"{human_bytes(limits.max_zip_total_bytes)}",
            )
        if declared > RATIO_MIN_BYTES and declared > limits.max_zip_ratio * max(packed, 1):
            raise LimitExceeded(
                archive,
                f"压缩包压缩比 {declared / max(packed, 1):.0f} 倍超过上限 "
                f"{limits.max_zip_ratio:.0f} 倍，疑似“压缩炸弹”，已拒绝",
            )
        members: list[_Member] = []
        for info in infos:
            budget.add_entry()
            shown = member_name(info)
            path = _check_path(archive, shown)
            ftype = _file_type(info)
            if ftype == stat.S_IFLNK:
                raise UnsafeArchive(archive, f"压缩包内 “{shown}” 是符号链接，已拒绝")
            if ftype not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchive(archive, f"压缩包内 “{shown}” 不是普通文件，已拒绝")
            if info.is_dir() or ftype == stat.S_IFDIR or not path:
                continue
            full = prefix + path
            if is_junk(path):
                continue
            if full in budget.seen:
                raise UnsafeArchive(archive, f"压缩包内有重名文件 “{full}”，已拒绝")
            budget.seen.add(full)
            if info.flag_bits & 0x1:
                raise EncryptedDocument(
                    archive, f"压缩包内文件 “{full}” 已加密：请解除密码后重新打包"
                )
            if info.file_size > limits.max_file_bytes:
                raise LimitExceeded(
                    archive,
                    f"压缩包内文件 “{full}” 解压后 {human_bytes(info.file_size)}，超过单个文件上限 "
                    f"{human_bytes(limits.max_file_bytes)}",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_MIN_BYTES and ratio > limits.max_zip_ratio:
                raise LimitExceeded(
                    archive,
                    f"压缩包内文件 “{full}” 压缩比 {ratio:.0f} 倍超过上限 "
                    f"{limits.max_zip_ratio:.0f} 倍，疑似“压缩炸弹”，已拒绝",
                )
            budget.add_bytes(info.file_size)
            head = _peek(zf, info, archive, full)
            if not _is_zip(head):
                members.append(_Member(info, path))
                continue
            data = _read(zf, info, archive, full, limits.max_file_bytes)
            if _zip_members_include(data, "word/document.xml"):
                members.append(_Member(info, path))  # a DOCX is a document, not unpacked
                continue
            if depth >= MAX_DEPTH:
                raise UnsafeArchive(
                    archive, f"压缩包嵌套超过 {MAX_DEPTH} 层 (“{full}”)，请解压后重新打包"
                )
            nested = _scan(BytesIO(data), archive, budget, depth + 1, full + "/")
            members.append(_Member(info, path, nested=nested))
        return members


def _peek(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, path: str) -> bytes:
    try:
        with zf.open(info) as fh:
            return fh.read(4)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as err:
        raise CorruptFile(archive, f"压缩包内文件 “{path}” 无法解压 ({err})") from err


def _zip_members_include(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            return member in zf.namelist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return False


def _emit(
    source: str | Path | IO[bytes], archive: str, members: list[_Member], prefix: str, limit: int
) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(source) as zf:
        for m in members:
            full = prefix + m.path
            data = _read(zf, m.info, archive, full, limit)
            if m.nested is not None:  # re-read: one nested ZIP in memory at a time
                yield from _emit(BytesIO(data), archive, m.nested, full + "/", limit)
            else:
                yield full, data


def check_archive(path: Path, name: str, limits: Limits) -> list[str]:
    """Check a ZIP without unpacking it to disk; return the member paths `iter_members` yields."""
    members = _scan(path, name, _Budget(limits, name), 0, "")

    def walk(ms: list[_Member], prefix: str) -> Iterator[str]:
        for m in ms:
            if m.nested is not None:
                yield from walk(m.nested, prefix + m.path + "/")
            else:
                yield prefix + m.path

    return list(walk(members, ""))


def iter_members(path: Path, name: str, limits: Limits) -> Iterator[tuple[str, bytes]]:
    """(member path, content) for each regular file of the ZIP at `path`, in archive order.

    The whole archive is checked first (see the module doc); members of a nested ZIP come
    as "inner.zip/member.pdf". Directories and OS junk are skipped. A DOCX inside is a
    member like any other (not unpacked). Raises LimitExceeded, UnsafeArchive,
    EncryptedDocument or CorruptFile naming the archive `name`.
    """
    limits.check_path_size(path, name)
    members = _scan(path, name, _Budget(limits, name), 0, "")
    yield from _emit(path, name, members, "", limits.max_file_bytes)


def check_zip_container(path: Path, name: str, limits: Limits) -> None:
    """Limits for a ZIP-based document (DOCX) before a parser unpacks it: entries, size, ratio."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise CorruptFile(name, f"文件已损坏或不完整，无法读取 ({err})") from err
    if len(infos) > limits.max_zip_entries:
        raise LimitExceeded(
            name, f"文件内含 {len(infos)} 个部件，超过上限 {limits.max_zip_entries} 个"
        )
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_zip_total_bytes:
        raise LimitExceeded(
            name,
            f"文件解压后 {human_bytes(declared)}，超过上限 {human_bytes(limits.max_zip_total_bytes)}",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > limits.max_zip_ratio:
            raise LimitExceeded(
                name,
                f"文件内部件 “{info.filename}” 压缩比 {ratio:.0f} 倍超过上限 "
                f"{limits.max_zip_ratio:.0f} 倍，疑似“压缩炸弹”，已拒绝",
            )
