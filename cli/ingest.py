"""`dangan ingest` and `dangan worker`: receive files, then run the pipeline."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dangan.cli.common import ACTOR, archive, console, emit_json, err_console, home

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dangan.archive.context import Archive

OUTCOME_NAMES = {"queued": "已排队", "duplicate": "重复", "failed": "失败"}


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


def wait_with_progress(arc: Archive, workers: int | None) -> None:
    """Run a worker pool until no job is left, showing pages and items done."""
    from sqlalchemy import func, select

    from dangan.archive.models import Job
    from dangan.ingest.receive import EXTRACT_STEP
    from dangan.ingest.worker import WorkerPool

    with arc.db.read() as session:
        first_job = (
            session.scalar(select(func.min(Job.id)).where(Job.status.in_(("pending", "leased"))))
            or 0
        )
        start_pending = _pending(session)
    pool = WorkerPool(arc.settings.home, processes=workers).start(until_idle=True)
    with _progress() as bar:
        pages = bar.add_task("识别页面", total=None)
        items = bar.add_task("处理文件", total=start_pending)
        while True:
            with arc.db.read() as session:
                done_pages, total_pages = session.execute(
                    select(
                        func.coalesce(func.sum(Job.progress_done), 0),
                        func.coalesce(func.sum(Job.progress_total), 0),
                    ).where(Job.id >= first_job, Job.step == EXTRACT_STEP)
                ).one()
                pending = _pending(session)
            bar.update(pages, completed=done_pages, total=total_pages or None)
            bar.update(
                items, completed=max(start_pending - pending, 0), total=max(start_pending, pending)
            )
            if not pool.alive():
                break
            time.sleep(0.5)
    pool.stop()


def _pending(session: Session) -> int:
    from sqlalchemy import func, select

    from dangan.archive.models import Document

    query = (
        select(func.count())
        .select_from(Document)
        .where(Document.status.in_(("queued", "processing")))
    )
    return session.scalar(query) or 0


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="文件、文件夹或 .zip")],
    village: Annotated[str | None, typer.Option(help="所属村(代码或村名)")] = None,
    household: Annotated[str | None, typer.Option(help="所属户编号")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="等待识别和归档完成")] = False,
    workers: Annotated[int | None, typer.Option(help="--wait 时的工作进程数(默认每核一个)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """导入扫描件、照片、PDF、OFD、Word/WPS 文档、Excel/WPS 表格(可为文件夹或 zip 压缩包)。"""
    from dangan.ingest.receive import Hints, Received, iter_paths, receive_paths

    arc = archive()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err_console.print(f"[red]错误[/]: 找不到 {'、'.join(missing)}")
        raise typer.Exit(2)
    total = sum(1 for _ in iter_paths(paths))
    with _progress() as bar:
        task = bar.add_task("接收文件", total=total)

        def advance(path: Path, _got: list[Received]) -> None:
            bar.update(task, advance=1, description=f"接收 {path.name[:30]}")

        results = receive_paths(
            arc,
            paths,
            actor=ACTOR,
            hints=Hints(village, household),
            on_result=advance if not as_json else None,
        )
    ids = {r.document_id for r in results if r.outcome == "queued" and r.document_id}
    if wait and ids:
        wait_with_progress(arc, workers)
    counts = Counter(r.outcome for r in results)
    if as_json:
        emit_json(
            {
                "received": [r.__dict__ for r in results],
                "summary": {k: counts.get(k, 0) for k in OUTCOME_NAMES},
            }
        )
    else:
        console.print("  ".join(f"{OUTCOME_NAMES[k]} {counts.get(k, 0)}" for k in OUTCOME_NAMES))
        for r in results:
            if r.outcome != "queued":
                style = "yellow" if r.outcome == "duplicate" else "red"
                err_console.print(
                    f"[{style}]{OUTCOME_NAMES[r.outcome]}[/] {r.message}", highlight=False
                )
        if wait and ids:
            _print_outcome(arc, ids)
        elif ids:
            console.print(
                "文件已安全保存并排队; 运行 [bold]dangan worker[/] 或 [bold]dangan serve[/] 进行识别"
            )
    if counts.get("failed"):
        raise typer.Exit(1)


def _print_outcome(arc, ids: set[int]) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dangan.archive.models import Document

    with arc.db.read() as session:
        rows = session.execute(
            select(Document.status, Document.error, Document.id).where(Document.id.in_(ids))
        ).all()
    statuses = Counter(status for status, _, _ in rows)
    console.print("处理结果: " + "  ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    for status, error, doc_id in rows:
        if status == "failed":
            err_console.print(f"[red]失败[/] 文件 {doc_id}: {error}", highlight=False)


def worker(
    processes: Annotated[int | None, typer.Option(help="工作进程数(默认每核一个)")] = None,
    queue_names: Annotated[list[str] | None, typer.Option("--queue", help="只处理这些队列")] = None,
) -> None:
    """运行后台处理进程(识别、分类、归档), Ctrl+C 退出。

    设置了 DANGAN_BROKER_URL 时以 Celery 工作进程运行(队列: ocr、classify、index、maintenance)。"""
    from dangan.ingest.inbox import InboxWatcher, inbox_dir

    arc = archive()
    if arc.settings.broker_url:
        from dangan.ingest import celery_worker
        from dangan.maintenance import tasks  # noqa: F401 (registers the maintenance tasks)

        celery_worker.check_queues(queue_names)
        console.print(f"Celery 工作进程已启动, 监视收件夹 {inbox_dir(arc)} (Ctrl+C 退出)")
        arc.close()
        celery_worker.run(home(), queue_names, processes)
        return

    from dangan.ingest.worker import WorkerPool, work

    stop = threading.Event()
    InboxWatcher(arc).start_thread(stop)
    try:
        if processes == 1:
            console.print(f"工作进程已启动, 监视收件夹 {inbox_dir(arc)} (Ctrl+C 退出)")
            work(home(), queues=queue_names)
            return
        pool = WorkerPool(home(), processes=processes, queues=queue_names).start()
        console.print(f"{pool.size} 个工作进程已启动, 监视收件夹 {inbox_dir(arc)} (Ctrl+C 退出)")
        try:
            while pool.alive():
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("正在停止…")
        finally:
            pool.stop()
    finally:
        stop.set()
