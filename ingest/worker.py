"""Worker processes: each leases jobs and runs their step; one process per core.

Tesseract gets OMP_THREAD_LIMIT=1: with one worker per core, its own threads only
fight the other workers for the same cores.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from archive.context import open_archive
from archive.errors import DanganError
from ingest import queue
from ingest.ocr import get_engine
from ingest.pipeline import STEPS, StepContext

log = logging.getLogger("dangan.worker")


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_one(ctx: StepContext, queues: list[str] | None) -> bool:
    """Lease and run one job; False when there was none to run."""
    job = queue.lease(ctx.arc.db, ctx.owner, queues)
    if job is None:
        return False
    step = STEPS.get(job.step)
    try:
        if step is None:
            raise DanganError(f"未知的处理步骤 {job.step}")
        step(ctx, job)
    except queue.LeaseLost:
        log.warning("job %s: lease lost to another worker; result discarded", job.id)
    except DanganError as exc:
        # The input is at fault: retrying gives the same answer.
        queue.give_up_or_retry(ctx.arc.db, job.id, ctx.owner, str(exc), retry=False)
    except Exception as exc:
        log.error("job %s failed:\n%s", job.id, traceback.format_exc())
        queue.give_up_or_retry(
            ctx.arc.db, job.id, ctx.owner, f"内部错误: {type(exc).__name__}: {exc}", retry=True
        )
    return True


def work(
    home: str | Path | None,
    *,
    queues: list[str] | None = None,
    until_idle: bool = False,
    poll_seconds: float = 0.2,
    should_stop: Callable[[], bool] = lambda: False,
    engine: str | None = None,
) -> None:
    """The loop one worker process runs. Idle, it looks for work every `poll_seconds`:
    an upload is picked up at once (a 1 s poll added about half a second to every
    batch), and the lease query is one indexed lookup."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    arc = open_archive(home)
    ctx = StepContext(
        arc=arc,
        owner=owner_name(),
        engine=get_engine(engine or os.environ.get("DANGAN_OCR_ENGINE", "tesseract")),
    )
    try:
        while not should_stop():
            if run_one(ctx, queues):
                continue
            if until_idle:
                return
            time.sleep(poll_seconds)
    finally:
        arc.close()


def _process_main(
    home: str | None, queues: list[str] | None, until_idle: bool, stop: mp.Event
) -> None:  # type: ignore[valid-type]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        work(home, queues=queues, until_idle=until_idle, should_stop=stop.is_set)  # type: ignore[attr-defined]


class WorkerPool:
    """N worker processes (spawned: no state shared with the parent's connections)."""

    def __init__(
        self, home: str | Path | None, processes: int | None = None, queues: list[str] | None = None
    ):
        self.home = str(home) if home else None
        self.size = processes or os.cpu_count() or 1
        self.queues = queues
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self.processes: list[mp.process.BaseProcess] = []

    def start(self, until_idle: bool = False) -> WorkerPool:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        for _ in range(self.size):
            proc = self._ctx.Process(
                target=_process_main,
                args=(self.home, self.queues, until_idle, self._stop),
                daemon=True,
            )
            proc.start()
            self.processes.append(proc)
        return self

    def alive(self) -> bool:
        return any(p.is_alive() for p in self.processes)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask workers to finish their current step, then end them."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for proc in self.processes:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
