"""Limits that protect the machine from oversized or malicious uploads.

Every limit has a default sized for one township PC and can be changed with an
environment variable; byte sizes accept a K, M or G suffix ("300M").
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from dangan.archive.errors import InputError

_MB = 1024 * 1024
_GB = 1024 * _MB

# field name -> environment variable
ENV_VARS: dict[str, str] = {
    "max_file_bytes": "DANGAN_MAX_FILE_BYTES",
    "max_pdf_pages": "DANGAN_MAX_PDF_PAGES",
    "max_image_pixels": "DANGAN_MAX_IMAGE_PIXELS",
    "max_zip_total_bytes": "DANGAN_MAX_ZIP_BYTES",
    "max_zip_ratio": "DANGAN_MAX_ZIP_RATIO",
    "max_zip_entries": "DANGAN_MAX_ZIP_ENTRIES",
}

_SUFFIX = {"": 1, "K": 1024, "M": _MB, "G": _GB}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * _MB
    """One uploaded file, and one member of a ZIP once unpacked."""
    max_pdf_pages: int = 500
    """Pages of a PDF; also frames of a multi-page TIFF."""
    max_image_pixels: int = 150_000_000
    """Width x height of one image (decompression bombs)."""
    max_zip_total_bytes: int = 2 * _GB
    """Sum of the unpacked sizes of all members of one ZIP (nested ZIPs included)."""
    max_zip_ratio: float = 100.0
    """Unpacked / packed size of one ZIP member (checked for members over 1 MiB) and of the whole ZIP."""
    max_zip_entries: int = 2000
    """Members of one ZIP, nested ZIPs' members included."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by any DANGAN_MAX_* variable that is set and not empty."""
        env = os.environ if environ is None else environ
        values: dict[str, int | float] = {}
        for f in fields(cls):
            var = ENV_VARS[f.name]
            raw = env.get(var, "").strip()
            if not raw:
                continue
            values[f.name] = _parse(var, raw, is_float=f.name == "max_zip_ratio")
        return cls(**values)  # type: ignore[arg-type]

    def check_file_size(self, size: int, name: str) -> None:
        """Raise LimitExceeded when a file of `size` bytes is over the file size limit."""
        if size > self.max_file_bytes:
            from dangan.ingest.exceptions import LimitExceeded

            raise LimitExceeded(
                name,
                f"文件大小 {human_bytes(size)} 超过上限 {human_bytes(self.max_file_bytes)}",
            )

    def check_path_size(self, path: Path, name: str) -> None:
        self.check_file_size(path.stat().st_size, name)


def _parse(var: str, raw: str, *, is_float: bool) -> int | float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)i?B?", raw, flags=re.IGNORECASE)
    if not m:
        raise InputError(f"环境变量 {var}={raw!r} 不是有效的数值")
    value = float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    if value <= 0:
        raise InputError(f"环境变量 {var}={raw!r} 必须大于 0")
    return value if is_float else int(value)


def human_bytes(n: float) -> str:
    """1536 -> "1.5 KB"; used in the Chinese messages."""
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
