"""Virus scanning through ClamAV's clamd (INSTREAM over its Unix socket), when
`DANGAN_CLAMD_SOCKET` names one. Without it a scan reports that it did not run: a file is
never said to be clean when nothing looked at it."""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

NOT_CONFIGURED = "未检测(未配置杀毒引擎)"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Scan:
    outcome: str  # passed | failed | unchecked
    message: str


def clamd_socket() -> str | None:
    return os.environ.get("DANGAN_CLAMD_SOCKET") or None


def scan_file(path: Path) -> Scan:
    """clamd's verdict on the file at `path`."""
    where = clamd_socket()
    if where is None:
        return Scan("unchecked", NOT_CONFIGURED)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(120)
            conn.connect(where)
            conn.sendall(b"zINSTREAM\0")
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    conn.sendall(struct.pack(">I", len(chunk)) + chunk)
            conn.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        return Scan("unchecked", f"未检测(杀毒引擎 {where} 无法连接: {exc})")
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("OK"):
        return Scan("passed", "ClamAV 未发现病毒")
    if answer.endswith("FOUND"):
        return Scan("failed", f"ClamAV 发现病毒: {answer.split(':', 1)[-1].strip()}")
    return Scan("unchecked", f"未检测(杀毒引擎答复: {answer})")
