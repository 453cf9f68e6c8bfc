"""Worker processes: each leases jobs and runs their step; one process per core.

Tesseract gets OMP_THREAD_LIMIT=1: with one worker per core, its own threads only
fight the other workers for the same cores. Tesseract runs inside the worker process,
so a page that crashes it ends the process: the pool starts a new one and hands the
dead one's job on at once, and a job that ends its process `max_attempts` times is
failed with a reason (`ingest.queue`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from dangan.archive.context import open_archive
from dangan.archive.errors import DanganError
from dangan.ingest import queue
from dangan.ingest.ocr import DEFAULT_ENGINE, get_engine
from dangan.ingest.pipeline import STEPS, StepContext

log = logging.getLogger("dangan.worker")

SUPERVISE_SECONDS = 0.5
"""How often the pool looks for worker processes that died."""
RESPAWN_SECONDS = 5.0
"""A worker is replaced no sooner than this after it was started: one that dies at
once (the database unreachable) is started again every few seconds, not in a loop."""


def owner_name(pid: int | None = None) -> str:
    """The lease owner name of the worker process `pid` (default: this process)."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def run_one(ctx: StepContext, queues: list[str] | None) -> bool:
    """Lease and run one job; False when there was none to run."""
    job = queue.lease(ctx.arc.db, ctx.owner, queues)
    if job is None:
        return False
    run_leased(ctx, job)
    return True


def run_job(ctx: StepContext, job_id: int) -> bool:
    """Lease and run job `job_id` (a Celery message named it); False when it was not
    runnable: done already, or in the hands of a live worker."""
    job = queue.lease_job(ctx.arc.db, ctx.owner, job_id)
    if job is None:
        return False
    run_leased(ctx, job)
    return True


def run_leased(ctx: StepContext, job: queue.Leased) -> None:
    """Run a leased job's step and record how it ended."""
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


def step_context(home: str | Path | None, engine: str | None = None) -> StepContext:
    """What a worker process runs steps with: its archive, lease owner name and OCR engine."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return StepContext(
        arc=open_archive(home),
        owner=owner_name(),
        engine=get_engine(engine or os.environ.get("DANGAN_OCR_ENGINE", DEFAULT_ENGINE)),
    )


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
    ctx = step_context(home, engine)
    try:
        while not should_stop():
            if run_one(ctx, queues):
                continue
            if until_idle:
                return
            time.sleep(poll_seconds)
    finally:
        ctx.arc.close()


def _process_main(
    home: str | None, queues: list[str] | None, until_idle: bool, stop: mp.Event
) -> None:  # type: ignore[valid-type]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        work(home, queues=queues, until_idle=until_idle, should_stop=stop.is_set)  # type: ignore[attr-defined]


class WorkerPool:
    """N worker processes (spawned: no state shared with the parent's connections),
    each replaced when it dies of a crash or a kill while the pool runs."""

    def __init__(
        self, home: str | Path | None, processes: int | None = None, queues: list[str] | None = None
    ):
        self.home = str(home) if home else None
        self.size = processes or os.cpu_count() or 1
        self.queues = queues
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self._until_idle = False
        self.processes: list[mp.process.BaseProcess] = []
        self._started: list[float] = []
        self._watch: threading.Thread | None = None

    def start(self, until_idle: bool = False) -> WorkerPool:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._until_idle = until_idle
        self.processes = [self._spawn() for _ in range(self.size)]
        self._started = [time.monotonic()] * self.size
        self._watch = threading.Thread(target=self._replace_the_dead, daemon=True)
        self._watch.start()
        return self

    def _spawn(self) -> mp.process.BaseProcess:
        proc = self._ctx.Process(
            target=_process_main,
            args=(self.home, self.queues, self._until_idle, self._stop),
            daemon=True,
        )
        proc.start()
        return proc

    def _replace_the_dead(self) -> None:
        arc = None
        try:
            while not self._stop.wait(SUPERVISE_SECONDS):
                for i, proc in enumerate(self.processes):
                    if proc.is_alive() or proc.exitcode == 0 or self._stop.is_set():
                        continue  # alive, or done (until_idle): nothing to replace
                    if time.monotonic() - self._started[i] < RESPAWN_SECONDS:
                        continue
                    try:
                        arc = arc or open_archive(self.home)
                        released = queue.release_leases(arc.db, owner_name(proc.pid))
                    except Exception:  # the supervisor must outlive a database that is down
                        log.exception("无法交回工作进程 %s 的任务; 待租约到期后重试", proc.pid)
                        released = 0
                    log.warning(
                        "工作进程 %s 异常退出 (退出码 %s), 已重启; 交回 %d 个任务",
                        proc.pid, proc.exitcode, released,
                    )  # fmt: skip
                    self.processes[i] = self._spawn()
                    self._started[i] = time.monotonic()
        finally:
            if arc is not None:
                arc.close()

    def alive(self) -> bool:
        return any(p.is_alive() for p in self.processes)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask workers to finish their current step, then end them."""
        self._stop.set()
        if self._watch is not None:
            self._watch.join()
        deadline = time.monotonic() + timeout
        for proc in self.processes:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
