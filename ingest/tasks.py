"""The Celery task: run one job of the table with the pipeline's own step functions
(`ingest.worker.run_job`, as the in-process pool does)."""

from __future__ import annotations

from dangan.ingest.celery_app import RUN_JOB, app
from dangan.ingest.pipeline import StepContext
from dangan.ingest.worker import run_job as run_job_here
from dangan.ingest.worker import step_context

_context: StepContext | None = None


def _step_context() -> StepContext:
    """One per worker process, made at its first task (after the fork: no connection
    is shared with the parent)."""
    global _context
    if _context is None:
        _context = step_context(None)
    return _context


@app.task(name=RUN_JOB)
def run_job(job_id: int) -> bool:
    """Run job `job_id` if it is runnable; False when it was done or in live hands."""
    return run_job_here(_step_context(), job_id)
