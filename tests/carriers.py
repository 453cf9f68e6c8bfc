"""The two ways a pipeline step reaches its step function: the in-process pool's loop
(`ingest.worker.work`) and real `dangan worker` processes on Celery with a real
redis-server. Pipeline tests take the `carry` fixture (tests/conftest.py) to run both."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from dangan.archive.context import Archive
from dangan.archive.models import Document, Job
from tests.waiting import wait_until

DANGAN = Path(sys.executable).with_name("dangan")


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server on a free loopback port, without persistence; its URL."""
    import redis

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = shutil.which("redis-server")
    assert server is not None
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_until(answers, 30, "redis-server to answer", 0.1)
        yield url
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)


@contextmanager
def dangan_processes(logs: Path, *commands: list[str]) -> Iterator[list[subprocess.Popen]]:
    """`dangan COMMAND...` each in a session of its own, stopped (SIGTERM) at the end."""
    procs = []
    try:
        for n, command in enumerate(commands):
            with open(logs / f"{command[0]}{n}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [str(DANGAN), *command],
                        start_new_session=True,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        yield procs
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def celery_workers(logs: Path, *queue_sets: list[str]):  # type: ignore[no-untyped-def]
    """One `dangan worker --processes 1` per queue set."""
    return dangan_processes(
        logs, *(["worker", "--processes", "1", *(f"--queue={q}" for q in qs)] for qs in queue_sets)
    )


def settled(arc: Archive) -> bool:
    """No item waits and no job is left to run."""
    with arc.db.read() as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.status.in_(("queued", "processing")))
        )
        open_jobs = session.scalar(
            select(func.count()).select_from(Job).where(Job.status.in_(("pending", "leased")))
        )
    return waiting == 0 and open_jobs == 0


def run_on_celery(logs: Path, arc: Archive) -> None:
    """Every waiting step run by one Celery worker on all the queues (one process: the
    index has one writer), which is stopped once nothing is left."""
    with celery_workers(logs, []):
        wait_until(lambda: settled(arc), 600, "the Celery worker to finish every item", 0.5)
