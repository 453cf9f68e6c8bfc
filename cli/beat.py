"""`dangan beat`: the county's schedules (fixity scrub, daily backup) on Celery beat."""

from __future__ import annotations

from dangan.archive.errors import InputError
from dangan.cli.common import archive, console, home


def beat() -> None:
    """按计划把维护任务(固定性检查、每日备份)发给 Celery 工作进程, Ctrl+C 退出。

    需要 DANGAN_BROKER_URL; 整个县只运行一个。未设置消息队列时, dangan serve 自己按计划运行它们。"""
    arc = archive()
    try:
        if not arc.settings.broker_url:
            raise InputError(
                "dangan beat 需要消息队列: 请设置 DANGAN_BROKER_URL"
                "(未设置时, dangan serve 自己按计划运行固定性检查和每日备份)"
            )
    finally:
        arc.close()
    from dangan.maintenance import beat as celery_beat
    from dangan.maintenance.tasks import beat_schedule

    entries = beat_schedule()
    fixity = entries.get("fixity")
    backup = entries.get("backup")
    console.print(
        "计划任务已启动: "
        + (f"固定性检查每 {fixity['schedule']:g} 秒" if fixity else "固定性检查已关闭")
        + "; "
        + (
            f"每日备份到 {backup['args'][0]}(每 {backup['schedule']:g} 秒查看是否到期)"
            if backup
            else "未设置 DANGAN_BACKUP_DIR, 不做每日备份"
        )
        + " (Ctrl+C 退出)",
        highlight=False,
    )
    celery_beat.run(home())
