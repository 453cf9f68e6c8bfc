"""The server's daily backup and the dashboard's warning when the last good backup is old."""

from __future__ import annotations

import datetime as dt
import fcntl

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from dangan.archive.errors import InputError
from dangan.archive.models import Backup, utcnow
from dangan.retention.backup import create_backup
from dangan.retention.backup_schedule import (
    BackupPolicy,
    DailyBackup,
    backup_due,
    stale_warning,
)
from dangan.retention.backup_verify import verify_backup
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)
from tests.waiting import wait_until


def _age_backups(arc, days: float) -> None:  # type: ignore[no-untyped-def]
    with arc.db.write() as session:
        session.execute(update(Backup).values(finished_at=utcnow() - dt.timedelta(days=days)))


def test_policy_from_the_environment(tmp_path):
    assert BackupPolicy.from_env({}) == BackupPolicy(None, 7)
    policy = BackupPolicy.from_env(
        {"DANGAN_BACKUP_DIR": str(tmp_path), "DANGAN_BACKUP_WARN_DAYS": "3"}
    )
    assert policy == BackupPolicy(tmp_path, 3)
    assert BackupPolicy.from_env({"DANGAN_BACKUP_CHECK_SECONDS": "1.5"}).check_seconds == 1.5
    with pytest.raises(InputError, match="DANGAN_BACKUP_WARN_DAYS"):
        BackupPolicy.from_env({"DANGAN_BACKUP_WARN_DAYS": "一周"})
    for bad in ("0", "五分钟"):
        with pytest.raises(InputError, match="DANGAN_BACKUP_CHECK_SECONDS"):
            BackupPolicy.from_env({"DANGAN_BACKUP_CHECK_SECONDS": bad})


def test_warning_until_a_good_backup_and_again_when_it_is_old(arc, tmp_path):
    policy = BackupPolicy(None, 7)
    with arc.db.read() as session:
        assert "还没有成功的备份" in stale_warning(session, policy, utcnow())  # type: ignore[operator]
    create_backup(arc, tmp_path / "backup", actor="t")
    with arc.db.read() as session:
        assert stale_warning(session, policy, utcnow()) is None
    _age_backups(arc, 10)
    with arc.db.read() as session:
        warning = stale_warning(session, policy, utcnow())
        assert warning is not None and "10 天前" in warning and str(tmp_path / "backup") in warning
        assert stale_warning(session, BackupPolicy(None, 0), utcnow()) is None
        assert stale_warning(session, BackupPolicy(None, 11), utcnow()) is None


def test_a_daily_backup_is_due_a_day_after_the_last_good_one(arc, tmp_path):
    daily = DailyBackup(arc, tmp_path / "backup")
    first = daily.run_if_due()
    assert first is not None
    assert daily.run_if_due() is None  # just made
    _age_backups(arc, 1.01)
    second = daily.run_if_due()
    assert second is not None and second.objects_copied == 0
    with arc.db.read() as session:
        now = utcnow()
        assert not backup_due(session, now)
        a_day_on = now + dt.timedelta(days=1, minutes=1)
        assert backup_due(session, a_day_on)
        # A failure is tried again an hour later, not at every check.
        session.add(
            Backup(
                target="x",
                status="failed",
                actor="t",
                finished_at=a_day_on - dt.timedelta(minutes=10),
                error="移动硬盘未接上",
            )
        )
        session.flush()
        assert not backup_due(session, a_day_on)
        assert backup_due(session, a_day_on + dt.timedelta(hours=1))
        session.rollback()
    assert verify_backup(tmp_path / "backup").ok


def test_a_scheduled_backup_is_skipped_while_another_runs_into_its_target(arc, tmp_path):
    """Two beats, or a check sent while a long backup runs: the second check neither
    starts a backup nor records a failed one."""
    target = tmp_path / "backup"
    target.mkdir()
    with (target / ".schedule.lock").open("a") as held:  # another scheduled backup
        fcntl.flock(held, fcntl.LOCK_EX)
        assert DailyBackup(arc, target).run_if_due() is None
        with arc.db.read() as session:
            assert session.scalars(select(Backup)).all() == []
        fcntl.flock(held, fcntl.LOCK_UN)
    assert DailyBackup(arc, target).run_if_due() is not None
    with arc.db.read() as session:
        assert session.scalars(select(Backup.status)).all() == ["ok"]


def test_the_server_backs_up_daily_and_the_dashboard_tells(arc, tmp_path, monkeypatch):
    w.build(arc)
    target = tmp_path / "daily"
    with TestClient(create_app(arc)) as client:
        w.login(client, "archivist")
        page = client.get("/").text
        assert "备份提醒" in page and "还没有成功的备份" in page

    monkeypatch.setenv("DANGAN_BACKUP_DIR", str(target))
    with TestClient(create_app(arc)) as client:
        w.login(client, "archivist")

        def backed_up() -> bool:
            with arc.db.read() as session:
                return session.scalar(select(Backup.status)) == "ok"

        wait_until(backed_up, 60, "the server's daily backup")
        assert "备份提醒" not in client.get("/").text
        _age_backups(arc, 8)
        page = client.get("/").text
        assert "备份提醒" in page and "8 天前" in page and str(target) in page
    assert verify_backup(target).ok
