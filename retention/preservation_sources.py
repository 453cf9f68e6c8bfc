"""Where the long-term preservation checks (长期保存) read their facts: the newest fixity
scrub (1-5) and the newest restorable backup (4-5).

Neither exists in this branch yet: the fixity scrub (issue #18, `latest_fixity_run`)
and the backups (issue #19, `last_good_backup`) are being built beside it in retention/.
Until they are wired in here, both answer None and the checks report "未检测", never a
pass. These two functions are the only place to change when they land.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FixityRun:
    finished_at: dt.datetime
    checked: int
    failures: list[tuple[int | None, str, str]]
    """(document_id, archival_code, message) of each item whose file did not verify."""


@dataclass(frozen=True)
class Backup:
    made_at: dt.datetime
    where: str


def latest_fixity(session: Session) -> FixityRun | None:
    """The newest complete fixity scrub; None while #18's `latest_fixity_run` is not here."""
    return None


def latest_backup(session: Session) -> Backup | None:
    """The newest verified, restorable backup; None while #19's `last_good_backup` is not
    here."""
    return None
