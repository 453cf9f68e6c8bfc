"""The Celery application: how pipeline steps reach workers when DANGAN_BROKER_URL is set
(a county, several machines); imported only then, so an office PC needs no Redis.

A message only says "run job N". The job row (`ingest.queue`) stays the work itself:
its lease keeps two workers from running the step at once, and the step commits its
results with the job's completion. A message delivered twice therefore does nothing
the second time, and a message lost is sent again from the table by `dangan worker`
(`ingest.celery_worker`).

A worker acknowledges a message only when the step has ended (late ack), takes one
message at a time (prefetch 1), and a message whose worker process was killed goes
back to the queue (reject on worker lost); the next worker takes the dead process's
lease over (`queue.lease_job`).
"""

from __future__ import annotations

import logging

from celery import Celery
from kombu import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from dangan.archive.config import load_settings

log = logging.getLogger("dangan.celery")

QUEUES = ("ocr", "classify", "index", "maintenance")
"""One queue per kind of work, so that OCR, the slow step, cannot starve the rest.
`index` wants one worker process in all (tantivy has one writer); `maintenance`
carries whatever is not a pipeline step."""

RUN_JOB = "dangan.run_job"
_SENDS = "dangan.jobs_to_send"
# Redis hands an unacknowledged message to another worker after this long; an OCR
# step on a long scan may run for an hour, and the job's lease guards against a
# second run anyway.
VISIBILITY_SECONDS = 12 * 3600

app = Celery("dangan", include=["dangan.ingest.tasks"])
app.conf.update(
    broker_url=load_settings().broker_url,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": VISIBILITY_SECONDS},
    task_queues=[Queue(name) for name in QUEUES],
    task_default_queue="maintenance",
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
)


def queue_for(job_queue: str) -> str:
    """The Celery queue that carries jobs of the table's queue `job_queue`."""
    return job_queue if job_queue in QUEUES else "maintenance"


def send_jobs(jobs: list[tuple[int, str]]) -> None:
    """Send "run job N" for each (job id, job queue)."""
    for job_id, job_queue in jobs:
        app.send_task(RUN_JOB, args=(job_id,), queue=queue_for(job_queue))


def send_after_commit(session: Session, job_id: int, job_queue: str) -> None:
    """Send "run job N" once `session` commits (never for a job rolled back)."""
    jobs = session.info.get(_SENDS)
    if jobs is None:
        jobs = session.info[_SENDS] = []
        event.listen(session, "after_commit", _send_committed)
        event.listen(session, "after_rollback", _forget)
    jobs.append((job_id, job_queue))


def _send_committed(session: Session) -> None:
    jobs = list(session.info[_SENDS])
    session.info[_SENDS].clear()
    try:
        send_jobs(jobs)
    except Exception:
        # Committed work is never undone for a broker that is down: the jobs stay
        # pending in the table and are sent again by `dangan worker`.
        log.warning(
            "无法发送任务 %s 到消息队列; 任务仍在数据库中, 稍后重发",
            [j for j, _ in jobs],
            exc_info=True,
        )


def _forget(session: Session) -> None:
    session.info[_SENDS].clear()
