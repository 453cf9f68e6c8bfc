"""`dangan beat`: Celery beat sending the maintenance tasks on their schedules. One per
county: a second one only sends each task twice as often (see `maintenance.tasks`)."""

from __future__ import annotations

import os

from dangan.ingest.celery_app import app
from dangan.maintenance.tasks import beat_schedule


def run(home: str | None) -> None:
    """Run beat until it is stopped (Ctrl+C, SIGTERM)."""
    if home:
        os.environ["DANGAN_HOME"] = home
    app.conf.beat_schedule = beat_schedule()
    # The schedule is kept in memory: whether a run is due is decided from the database
    # (the last backup, the stalest object), so nothing is lost when beat restarts, and
    # no schedule file lands in the archive's home, which a backup would copy.
    app.Beat(scheduler="celery.beat:Scheduler", loglevel="WARNING", quiet=True).run()
