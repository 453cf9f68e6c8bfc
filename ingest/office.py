"""LibreOffice, headless: the one place that runs it, to convert an old office file.

An office keeps Word 97 (.doc), WPS text (.wps, the same binary format), Excel 97 (.xls)
and WPS spreadsheets (.et) for years; no well-kept Python library reads the first two,
so LibreOffice converts them. Each conversion runs `soffice` in a new process group with
its own profile directory (`-env:UserInstallation`): two workers converting at once must
not share a profile, which LibreOffice locks, and a hung conversion is killed with all
its children when the timeout passes. Every failure raises `ConversionFailed` naming the
file and the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from dangan.ingest.exceptions import ConversionFailed

TIMEOUT_SECONDS = 120.0
"""DANGAN_OFFICE_TIMEOUT overrides it; a village office's documents convert in seconds."""

# LibreOffice picks its import filter partly by the file's extension; the store's blobs
# have none, and a .wps of WPS Office would be taken for Microsoft Works. The source is
# named after the format its content was sniffed as.
_SUFFIXES = {"doc": ".doc", "xls": ".xls", "xlsx": ".xlsx"}


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _timeout() -> float:
    raw = os.environ.get("DANGAN_OFFICE_TIMEOUT", "").strip()
    return float(raw) if raw else TIMEOUT_SECONDS


def convert(source: Path, kind: str, target: str, name: str) -> bytes:
    """The file at `source` (of sniffed format `kind`, called `name` by the user)
    converted by LibreOffice to `target` ("pdf", "xlsx"): the converted file's bytes."""
    program = soffice()
    if program is None:
        raise ConversionFailed(
            name, "服务器未安装 LibreOffice，无法转换此格式 (请管理员运行 make system)"
        )
    timeout = _timeout()
    with tempfile.TemporaryDirectory(prefix="dangan-office-") as work:
        root = Path(work)
        src = root / f"source{_SUFFIXES.get(kind, '')}"
        shutil.copyfile(source, src)
        out = root / "out"
        command = [
            program,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(src),
        ]
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: soffice starts soffice.bin
            env={**os.environ, "HOME": work},
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConversionFailed(
                name, f"LibreOffice 转换超时 (超过 {timeout:.0f} 秒)，文件可能过大或已损坏"
            ) from None
        converted = out / f"{src.stem}.{target}"
        if proc.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
            said = output.decode("utf-8", errors="replace").strip().splitlines()
            detail = said[-1] if said else f"退出码 {proc.returncode}"
            raise ConversionFailed(name, f"LibreOffice 无法打开或转换此文件，可能已损坏 ({detail})")
        return converted.read_bytes()
