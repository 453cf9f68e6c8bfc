"""Where the long-term preservation checks (长期保存) read their facts: the newest fixity
scrub (1-5, `retention.fixity`) and the newest backup that finished whole (4-5,
`retention.backup`). No scrub or no backup yet: None, and the check reports "未检测",
never a pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dangan.retention.backup import last_good_backup
from dangan.retention.fixity import latest_fixity_run


@dataclass(frozen=True)
class FixityRun:
    finished_at: dt.datetime
    checked: int
    failures: list[tuple[int | None, str, str]]
    """(document_id, archival_code, message) of each item whose file does not verify now."""


@dataclass(frozen=True)
class Backup:
    made_at: dt.datetime
    where: str


def latest_fixity(session: Session) -> FixityRun | None:
    """The newest finished scrub, with the objects failing now."""
    run = latest_fixity_run(session)
    if run is None:
        return None
    return FixityRun(
        run["finished_at"],
        run["checked"],
        [(f["document_id"], f["archival_code"] or "", f["message"]) for f in run["open_failures"]],
    )


def latest_backup(session: Session) -> Backup | None:
    """The newest backup that finished whole (`dangan backup verify` proves it restorable)."""
    row = last_good_backup(session)
    if row is None or row.finished_at is None:
        return None
    return Backup(row.finished_at, row.target)
