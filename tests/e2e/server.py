"""A real `dangan serve` for the browser tests: started on a free port of loopback,
waited for, and stopped with Ctrl-C (SIGINT) as a person stops it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.waiting import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(home: Path, log_path: Path, workers: int) -> Iterator[str]:
    """The base URL of `dangan serve --workers N` on `home`; its output goes to
    `log_path`, shown when the server exits before it listens."""
    port = free_port()
    log = log_path.open("w")
    exe = Path(sys.executable).with_name("dangan")
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "DANGAN_HOME": str(home), "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError("server exited:\n" + log_path.read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(up, 60, "the server to listen")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
