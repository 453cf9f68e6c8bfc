"""Writes an audit report (the dict of `run_audit`) to a file in the format its suffix
names: .xlsx, .docx, .pdf or .html. Written beside the target and renamed onto it, so a
crash leaves the old file or none, never half of one. The writers take the dict only
(no database): the web pages can hand the same files out."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from dangan.archive.errors import InputError
from dangan.audit import report_docx, report_html, report_xlsx

Writer = Callable[[dict[str, Any], BinaryIO], None]

WRITERS: dict[str, Writer] = {
    ".xlsx": report_xlsx.write_xlsx,
    ".docx": report_docx.write_docx,
    ".pdf": report_html.write_pdf,
    ".html": report_html.write_html,
}
SUFFIXES = tuple(WRITERS)


def check_target(path: Path) -> Writer:
    """The writer for `path`, or an InputError naming the file: a suffix that is not a
    report format, a folder that does not exist, a folder in the file's place."""
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise InputError(
            f"{path}: 不支持的报告格式“{path.suffix or '无后缀'}”,"
            f"报告文件的后缀应为 {'、'.join(SUFFIXES)}"
        )
    if not path.parent.is_dir():
        raise InputError(f"{path}: 目录 {path.parent} 不存在")
    if path.is_dir():
        raise InputError(f"{path}: 这是一个目录, 请给出报告的文件名")
    return writer


def write_report(report: dict[str, Any], path: Path) -> Path:
    """Writes `report` to `path` in its suffix's format; returns the path written
    (absolute)."""
    path = Path(path)
    writer = check_target(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    made = False
    try:
        # O_EXCL: never someone else's file; mode 0o666 less the umask, as open() gives
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        made = True
        with os.fdopen(fd, "wb") as out:
            writer(report, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise InputError(f"{path}: 无法写入报告: {exc.strerror or exc}") from exc
    finally:
        if made:
            temp.unlink(missing_ok=True)
    return path.absolute()


def _fsync_dir(folder: Path) -> None:
    """Makes the rename durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
