"""The server's daily backup, and when to warn that the last good backup is too old.

Settings (environment, read when `dangan serve` starts):
    DANGAN_BACKUP_DIR        back up into this folder once a day while the server runs
                             (with DANGAN_BROKER_URL: while `dangan beat` runs)
    DANGAN_BACKUP_CHECK_SECONDS  how often to look whether a backup is due (default 300)
    DANGAN_BACKUP_WARN_DAYS  the dashboard warns when the last good backup is older than
                             this many days, or when there is none (default 7; 0: never)
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.archive.errors import DanganError, InputError
from dangan.archive.models import Backup, utcnow
from dangan.retention.backup import BackupResult, create_backup, last_good_backup

log = logging.getLogger(__name__)

EVERY = dt.timedelta(days=1)
RETRY_AFTER = dt.timedelta(hours=1)  # a failed backup is tried again, not every minute
CHECK_SECONDS = 300.0
ACTOR = "schedule:daily-backup"


@dataclass(frozen=True)
class BackupPolicy:
    target: Path | None = None
    warn_days: int = 7
    check_seconds: float = CHECK_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BackupPolicy:
        env = os.environ if environ is None else environ
        raw = env.get("DANGAN_BACKUP_WARN_DAYS", "7").strip()
        if not raw.isdigit():
            raise InputError(f"DANGAN_BACKUP_WARN_DAYS 应为天数(非负整数), 而不是 {raw!r}")
        target = env.get("DANGAN_BACKUP_DIR", "").strip()
        check = env.get("DANGAN_BACKUP_CHECK_SECONDS", "").strip()
        try:
            check_seconds = float(check) if check else CHECK_SECONDS
        except ValueError:
            check_seconds = 0.0
        if not check_seconds > 0:
            raise InputError(f"DANGAN_BACKUP_CHECK_SECONDS 应为正的秒数, 而不是 {check!r}")
        return cls(Path(target) if target else None, int(raw), check_seconds)


def stale_warning(session: Session, policy: BackupPolicy, now: dt.datetime) -> str | None:
    """The dashboard's warning, or None while the last good backup is recent enough."""
    if policy.warn_days == 0:
        return None
    last = last_good_backup(session)
    how = (
        f"每日自动备份到 {policy.target} 已设置, 请检查它为何没有成功"
        if policy.target
        else "请运行 dangan backup create -o 备份目录(移动硬盘或网络路径), "
        "或设置 DANGAN_BACKUP_DIR 让服务每日自动备份"
    )
    if last is None or last.finished_at is None:
        return f"本档案库还没有成功的备份: {how}。"
    age = now - last.finished_at
    if age <= dt.timedelta(days=policy.warn_days):
        return None
    return (
        f"最近一次成功的备份在 {age.days} 天前({last.finished_at:%Y-%m-%d %H:%M} UTC, "
        f"{last.target}), 超过 {policy.warn_days} 天: {how}。"
    )


def backup_due(session: Session, now: dt.datetime) -> bool:
    """A day since the last good backup, and an hour since the last attempt."""
    last_good = last_good_backup(session)
    if last_good is not None and last_good.finished_at and now - last_good.finished_at < EVERY:
        return False
    last_try = session.scalar(select(Backup.finished_at).order_by(Backup.id.desc()).limit(1))
    return last_try is None or now - last_try >= RETRY_AFTER


class DailyBackup:
    def __init__(self, arc: Archive, target: Path) -> None:
        self.arc = arc
        self.target = target

    def run_if_due(self, now: dt.datetime | None = None) -> BackupResult | None:
        """The backup when one is due and no other scheduled backup runs into the
        target; None otherwise."""
        with _only_scheduled_backup(self.target) as alone:
            if not alone:
                return None
            with self.arc.db.read() as session:
                if not backup_due(session, now or utcnow()):
                    return None
            return create_backup(self.arc, self.target, actor=ACTOR)

    def run(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                self.run_if_due()
            except DanganError as exc:  # recorded as a failed backup; the dashboard tells
                log.warning("每日备份失败: %s", exc)
            except Exception:  # the server keeps running; the next check tries again
                log.exception("每日备份出错")
            stop.wait(interval)

    def start_thread(
        self, stop: threading.Event, interval: float = CHECK_SECONDS
    ) -> threading.Thread:
        thread = threading.Thread(
            target=self.run, args=(stop, interval), name="daily-backup", daemon=True
        )
        thread.start()
        return thread


def start_daily_backup(arc: Archive, stop: threading.Event) -> threading.Thread | None:
    """The daily backup thread when DANGAN_BACKUP_DIR is set (`dangan serve`)."""
    policy = BackupPolicy.from_env()
    if policy.target is None:
        return None
    return DailyBackup(arc, policy.target).start_thread(stop, policy.check_seconds)


@contextmanager
def _only_scheduled_backup(target: Path) -> Iterator[bool]:
    """Whether this check is alone in backing up into `target` now. With Celery beat
    the checks are messages: one delivered late, or one sent while a long backup still
    runs, must neither start a second backup nor be recorded as a failed one (which a
    collision on the backup's own lock would be). A folder that cannot be made is left
    to `create_backup`, which records why."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        fh = (target / ".schedule.lock").open("a")
    except OSError:
        yield True
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
