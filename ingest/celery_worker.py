"""`dangan worker` when DANGAN_BROKER_URL is set: a Celery worker on the chosen queues,
and beside it a process that serves the watched inbox and sends again the messages a
broker may have lost (`celery_app.send_jobs`)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import socket
import threading
import time

from dangan.archive.context import open_archive
from dangan.archive.errors import InputError
from dangan.ingest import queue
from dangan.ingest.celery_app import QUEUES, app, send_jobs
from dangan.ingest.inbox import InboxWatcher

log = logging.getLogger("dangan.celery")

RESEND_SECONDS = 60.0
"""How often the table is read for jobs whose message may have been lost."""
QUIET_SECONDS = 600.0
"""A runnable job is sent again when no message was sent for it this long: its message
was lost (a broker restarted without its file, a send failed, a worker took it against
another database) or its worker died on another machine (the lease ran out)."""


def _resend(home: str | None, stop: threading.Event) -> None:
    arc = open_archive(home)
    sent: dict[int, float] = {}
    try:
        InboxWatcher(arc).start_thread(stop)
        while True:
            try:
                now = time.monotonic()
                jobs = [
                    (job_id, name)
                    for job_id, name in queue.runnable_jobs(arc.db)
                    if now - sent.get(job_id, -QUIET_SECONDS) >= QUIET_SECONDS
                ]
                send_jobs(jobs)
                # A duplicate costs a worker one look at the table: the job is done
                # or leased, and the message is dropped.
                sent = {j: t for j, t in sent.items() if now - t < QUIET_SECONDS}
                sent.update((job_id, now) for job_id, _ in jobs)
            except Exception:  # the broker or the database is down: try next round
                log.exception("重发任务失败, 稍后重试")
            if stop.wait(RESEND_SECONDS):
                return
    finally:
        arc.close()


def _dispatcher_main(home: str | None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        _resend(home, threading.Event())


def check_queues(queues: list[str] | None) -> None:
    """Refuse a queue name Celery would silently wait on forever."""
    unknown = sorted(set(queues or ()) - set(QUEUES))
    if unknown:
        raise InputError(f"未知的队列 {'、'.join(unknown)}; 可选: {'、'.join(QUEUES)}")


def run(home: str | None, queues: list[str] | None, processes: int | None) -> None:
    """Run a Celery worker until it is stopped (Ctrl+C, SIGTERM)."""
    check_queues(queues)
    if home:
        os.environ["DANGAN_HOME"] = home  # the worker processes open the archive from it
    # Spawned, not a thread: Celery forks its worker processes from this one. It is
    # ended by a signal (an inbox file half received is received again next time).
    dispatcher = mp.get_context("spawn").Process(target=_dispatcher_main, args=(home,), daemon=True)
    dispatcher.start()
    argv = [
        "worker",
        f"--queues={','.join(queues or QUEUES)}",
        f"--hostname=dangan{os.getpid()}@{socket.gethostname()}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    if processes:
        argv.append(f"--concurrency={processes}")
    try:
        app.worker_main(argv)
    finally:
        dispatcher.terminate()
        dispatcher.join(10)
