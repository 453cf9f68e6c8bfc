"""The scheduled maintenance as Celery tasks, and the beat schedule that sends them.

The schedule is read from the environment where `dangan beat` runs (the same settings
as `dangan serve`'s threads) and travels in each message, so that every worker of the
`maintenance` queue runs the same schedule. Each message expires after its interval:
one delivered late, after a worker was down, is dropped rather than run beside the next
one. A run that does come twice is harmless: the scrub reads from the stalest objects
within its budget, and the backup looks whether one is due under a lock on its target.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dangan.archive.context import Archive, open_archive
from dangan.ingest.celery_app import app
from dangan.retention.backup_schedule import BackupPolicy, DailyBackup
from dangan.retention.fixity import FixitySchedule

FIXITY = "dangan.fixity_scrub"
BACKUP = "dangan.daily_backup"

_archive: Archive | None = None


def _open() -> Archive:
    """One archive per worker process, opened at its first task (after the fork)."""
    global _archive
    if _archive is None:
        _archive = open_archive(None)
    return _archive


@app.task(name=FIXITY)
def fixity_scrub(schedule: dict[str, float]) -> None:
    FixitySchedule(**schedule).run_once(_open())


@app.task(name=BACKUP)
def daily_backup(target: str) -> None:
    DailyBackup(_open(), Path(target)).run_if_due()


def beat_schedule(
    fixity: FixitySchedule | None = None, backup: BackupPolicy | None = None
) -> dict[str, dict[str, Any]]:
    """Celery beat's entries for these settings (the environment's by default)."""
    fixity = FixitySchedule.from_env() if fixity is None else fixity
    backup = BackupPolicy.from_env() if backup is None else backup
    entries: dict[str, dict[str, Any]] = {}
    if fixity.days > 0:
        entries["fixity"] = _entry(FIXITY, fixity.every_seconds, dataclasses.asdict(fixity))
    if backup.target is not None:
        entries["backup"] = _entry(BACKUP, backup.check_seconds, str(backup.target))
    return entries


def _entry(task: str, every: float, arg: object) -> dict[str, Any]:
    return {
        "task": task,
        "schedule": every,
        "args": (arg,),
        "options": {"queue": "maintenance", "expires": every},
    }
