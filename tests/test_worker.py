"""Workers: the pipeline end to end on real OCR, and a worker killed mid-job."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from dangan.archive import journal
from dangan.archive.models import Document, Job, JournalEvent, Page
from dangan.archive.roster import import_roster
from dangan.ingest.receive import receive_stream
from dangan.ingest.worker import WorkerPool, work
from tests.pages import image_pdf
from tests.waiting import wait_until

FORM = [
    ["贫困户入户调查表", "户主姓名: 王建国", "家庭人口: 4人", "致贫原因: 因病"],
    ["扶贫手册", "帮扶责任人: 李明", "帮扶措施: 产业扶持 发放鸡苗50只"],
    ["结对帮扶登记表", "帮扶开始日期: 2016年3月1日", "联系电话: 13800000001"],
]


def test_feeder_scan_is_extracted_and_split_into_items(arc, carry):
    [got] = receive_stream(arc, io.BytesIO(image_pdf(FORM)), "feeder.pdf", actor="t")
    carry(arc)
    with arc.db.read() as session:
        docs = session.scalars(select(Document).order_by(Document.id)).all()
        assert [(d.source_pages, d.pages, d.status) for d in docs] == [
            ("1", 1, "needs_review"),
            ("2", 1, "needs_review"),
            ("3", 1, "needs_review"),
        ]
        assert docs[0].id == got.document_id
        assert {d.file_id for d in docs} == {docs[0].file_id}
        texts = [d.page_rows[0].text.replace(" ", "") for d in docs]
    assert "入户调查表" in texts[0] and "王建国" in texts[0]
    assert "扶贫手册" in texts[1]
    assert "结对帮扶" in texts[2]


def test_a_file_the_pipeline_cannot_read_fails_once_with_its_reason_and_is_kept(arc, carry):
    whole = image_pdf(FORM[:1])
    [got] = receive_stream(arc, io.BytesIO(whole[: len(whole) // 2]), "half.pdf", actor="t")
    carry(arc)
    with arc.db.read() as session:
        doc = session.get(Document, got.document_id)
        assert doc.status == "failed"
        assert doc.error.startswith("half.pdf: PDF 文件不完整"), doc.error
        jobs = session.execute(select(Job.step, Job.status, Job.attempts)).all()
        # The input is at fault: a second attempt would give the same answer.
        assert [tuple(j) for j in jobs] == [("extract", "failed", 1)]
        assert journal.verify(session)[1] == []
        assert arc.store.verify(doc.file.sha256)


# Only page 1 starts with a form title: one item of four pages.
FOUR_PAGES = [FORM[0]] + [
    [f"家庭成员情况(续) 第{i}页", "成员姓名: 王小红", "与户主关系: 女儿"] for i in (2, 3, 4)
]


def _midway(arc) -> bool:  # type: ignore[no-untyped-def]
    """The extract step is leased and part-way through the four pages."""
    with arc.db.read() as session:
        job = session.scalars(select(Job).where(Job.step == "extract")).one()
        return job.status == "leased" and 1 <= job.progress_done < 4


def _read_once_whole(arc, document_id: int, attempts: int) -> None:  # type: ignore[no-untyped-def]
    """The item was extracted once, whole, in `attempts` attempts, and nothing is lost."""
    with arc.db.read() as session:
        job = session.scalars(select(Job).where(Job.step == "extract")).one()
        assert (job.status, job.attempts) == ("done", attempts)
        docs = session.scalars(select(Document)).all()
        assert [(d.id, d.status, d.pages) for d in docs] == [(document_id, "needs_review", 4)]
        assert session.scalar(select(func.count()).select_from(Page)) == 4
        extract_events = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "document.extract")
        ).all()
        assert len(extract_events) == 1
        assert journal.verify(session)[1] == []
        assert arc.store.verify(docs[0].file.sha256)


def test_killed_worker_is_retried_and_nothing_is_lost_or_duplicated(arc, monkeypatch):
    [got] = receive_stream(arc, io.BytesIO(image_pdf(FOUR_PAGES)), "scan.pdf", actor="t")
    env = {**os.environ, "DANGAN_LEASE_SECONDS": "3", "DANGAN_HOME": str(arc.settings.home)}
    exe = Path(sys.executable).with_name("dangan")
    victim = subprocess.Popen(
        [str(exe), "worker", "--processes", "1"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    try:
        wait_until(
            lambda: _midway(arc), 120, "the first worker to be part-way through the pages", 0.2
        )
    finally:
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
    with arc.db.read() as session:
        job = session.scalars(select(Job).where(Job.step == "extract")).one()
        assert (job.status, job.attempts) == ("leased", 1)
        assert session.get(Document, got.document_id).status == "processing"
        assert session.scalar(select(func.count()).select_from(Page)) == 0

    monkeypatch.setenv("DANGAN_LEASE_SECONDS", "3")
    time.sleep(3.5)  # let the dead worker's lease expire
    work(arc.settings.home, until_idle=True)
    _read_once_whole(arc, got.document_id, attempts=2)


def test_a_pool_worker_that_dies_is_replaced_and_its_job_handed_on_at_once(arc, monkeypatch):
    # Tesseract runs inside the worker: a page that crashes it ends the process. The
    # lease would keep the job ten minutes; the pool hands it on when it sees the death.
    monkeypatch.setenv("DANGAN_LEASE_SECONDS", "600")
    [got] = receive_stream(arc, io.BytesIO(image_pdf(FOUR_PAGES)), "scan.pdf", actor="t")
    pool = WorkerPool(arc.settings.home, processes=1).start()
    try:
        wait_until(lambda: _midway(arc), 120, "the worker to be part-way through the pages", 0.2)
        victim = pool.processes[0]
        os.kill(victim.pid, signal.SIGKILL)

        def done() -> bool:
            with arc.db.read() as session:
                return session.get(Document, got.document_id).status == "needs_review"

        wait_until(done, 120, "a new worker to read the item again", 0.2)
        assert pool.processes[0].pid != victim.pid and pool.processes[0].is_alive()
    finally:
        pool.stop()
    _read_once_whole(arc, got.document_id, attempts=2)


def test_the_engine_mends_towards_the_roster_and_learns_a_new_household(arc):
    from dangan.ingest.ocr import get_engine
    from dangan.ingest.pipeline import StepContext, _refresh_vocabulary
    from tests.conftest import DATA
    from tests.factories import household, village

    with arc.db.write() as session:
        import_roster(session, arc.township(session), DATA / "roster.xlsx", actor="t")
    ctx = StepContext(arc, "w1", get_engine("tesseract"))
    _refresh_vocabulary(ctx)
    vocabulary = ctx.engine.vocabulary
    doubt = [0.96, 0.96, 0.96, 0.96, 0.3]
    assert vocabulary.mend("户主王建囯", doubt) == "户主王建国"  # a head of the roster
    assert vocabulary.mend("帮扶人李朋", doubt) == "帮扶人李明"  # his helper
    assert vocabulary.mend("白沙材委会", [0.96, 0.96, 0.3, 0.96, 0.96]) == "白沙村委会"
    assert vocabulary.mend("户主赵铁桂", doubt) == "户主赵铁桂"  # not in the roster yet

    _refresh_vocabulary(ctx)
    assert ctx.engine.vocabulary is vocabulary  # the roster did not change: not rebuilt
    with arc.db.write() as session:
        household(session, village(session, arc, "009", "青石村"), "001", "赵铁柱")
    _refresh_vocabulary(ctx)
    assert ctx.engine.vocabulary.mend("户主赵铁桂", doubt) == "户主赵铁柱"


def _received_from_inbox(arc, inbox: Path) -> bool:  # type: ignore[no-untyped-def]
    with arc.db.read() as session:
        statuses = session.scalars(select(Document.status)).all()
    moved = list((inbox / "已导入").rglob("scan.pdf"))
    return statuses == ["needs_review"] and len(moved) == 1 and not (inbox / "scan.pdf").exists()


def test_a_single_worker_process_serves_the_inbox(arc):
    inbox = arc.settings.home / "inbox"
    exe = Path(sys.executable).with_name("dangan")
    worker = subprocess.Popen(
        [str(exe), "worker", "--processes", "1"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "scan.pdf").write_bytes(image_pdf(FORM[:1]))
        wait_until(lambda: _received_from_inbox(arc, inbox), 120, "the inbox scan to be read")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
