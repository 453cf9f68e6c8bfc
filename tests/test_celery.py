"""The pipeline and the schedules on Celery: a real redis-server on loopback and real
`dangan worker` and `dangan beat` processes with DANGAN_BROKER_URL set, on the test
database (SQLite, or PostgreSQL when DANGAN_TEST_DATABASE_URL is set; a machine's death
needs PostgreSQL, which machines share). The pipeline tests of the pool that also run
through Celery take the `carry` fixture (tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.archive.models import Backup, Document, FixityRun, Job, JournalEvent, Page, utcnow
from dangan.cli.demo import load_demo
from dangan.demo.build import build_township
from dangan.ingest.receive import receive_stream
from dangan.retention.backup_verify import verify_backup
from dangan.search.backend import SearchQuery
from dangan.search.service import SearchService, open_backend
from dangan.web.app import create_app
from tests.carriers import DANGAN, celery_workers, dangan_processes, settled
from tests.pages import image_pdf
from tests.waiting import wait_until

redis = pytest.importorskip("redis")

PIPELINE = ["ocr", "classify", "maintenance"]


def _indexed_ids(arc) -> list[int]:  # type: ignore[no-untyped-def]
    """Every item id in the index the workers wrote, one entry per index document."""
    service = SearchService(arc)
    assert (service.path / "data").exists(), "the workers wrote no index"
    backend = open_backend(service.name, service.path / "data")
    try:
        found = backend.search(SearchQuery(statuses=None, limit=10_000, facets=False))
        assert backend.count() == found.total == len(found.hits)
        return [hit.id for hit in found.hits]
    finally:
        backend.close()


def _journal_verifies() -> None:
    done = subprocess.run(
        [str(DANGAN), "journal", "verify", "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_demo_items_go_through_celery_workers_and_are_filed(arc, broker, tmp_path):
    corpus = tmp_path / "corpus"
    truth = build_township(corpus, seed=5, villages=1, households_per_village=1, workers=1)
    # Born-digital files and two scans: the OCR queue is used, the test stays short.
    scans = [f for f in truth.files if f["form"] == "scan"][:2]
    kept = {f["path"] for f in truth.files if f["form"] in ("docx", "pdf_text")}
    kept |= {f["path"] for f in scans}
    for entry in truth.files:
        if entry["path"] not in kept:
            (corpus / entry["path"]).unlink()
    counts = load_demo(arc, corpus, show=False)
    assert counts == {"queued": len(kept), "duplicate": 0, "failed": 0}

    with celery_workers(tmp_path, PIPELINE, PIPELINE, ["index"]):
        wait_until(lambda: settled(arc), 600, "the Celery workers to finish every item", 1)

    with arc.db.read() as session:
        docs = session.scalars(select(Document)).all()
        statuses = [d.status for d in docs]
        jobs = session.execute(select(Job.step, Job.status, Job.attempts)).all()
        classified = session.scalars(
            select(JournalEvent.entity_id).where(JournalEvent.action == "document.classify")
        ).all()
    assert "failed" not in statuses and set(statuses) <= {"filed", "needs_review"}
    assert statuses.count("filed") >= len(kept) // 2, statuses
    # Each step ran once per item: one classify event and one index job per item.
    assert sorted(int(i) for i in classified) == sorted(d.id for d in docs)
    assert {(step, status, attempts) for step, status, attempts in jobs} == {
        ("extract", "done", 1),
        ("classify", "done", 1),
        ("index", "done", 1),
    }
    assert sum(1 for step, *_ in jobs if step == "index") == len(docs)
    indexed = _indexed_ids(arc)
    assert sorted(indexed) == sorted(d.id for d in docs)  # every item, each once
    _journal_verifies()


# Only page 1 starts with a form title: one item of four pages.
FOUR_PAGES = [
    ["贫困户入户调查表", "户主姓名: 王建国", "家庭人口: 4人", "致贫原因: 因病"],
    *([f"家庭成员情况(续) 第{i}页", "成员姓名: 王小红", "与户主关系: 女儿"] for i in (2, 3, 4)),
]


def _ocr_midway(arc) -> str | None:  # type: ignore[no-untyped-def]
    """The lease owner of the extract job once it is part-way through the pages."""
    with arc.db.read() as session:
        job = session.scalars(select(Job).where(Job.step == "extract")).one()
        if job.status == "leased" and 1 <= job.progress_done < 4:
            return job.lease_owner
    return None


def test_a_worker_killed_mid_ocr_task_loses_nothing_and_duplicates_nothing(
    arc, broker, tmp_path, monkeypatch
):
    # Ten minutes of lease: the job must be handed on because its process died, not
    # because its lease ran out.
    monkeypatch.setenv("DANGAN_LEASE_SECONDS", "600")
    [got] = receive_stream(arc, io.BytesIO(image_pdf(FOUR_PAGES)), "scan.pdf", actor="t")
    with celery_workers(tmp_path, ["ocr", "classify", "index"]):
        owner = wait_until(lambda: _ocr_midway(arc), 300, "OCR to be part-way through", 0.2)
        victim = int(owner.rpartition(":")[2])
        os.kill(victim, signal.SIGKILL)  # the worker process running the task
        wait_until(lambda: settled(arc), 600, "the item to be finished after the kill", 1)

    with arc.db.read() as session:
        extract = session.scalars(select(Job).where(Job.step == "extract")).one()
        assert (extract.status, extract.attempts) == ("done", 2)
        assert extract.lease_owner is None
        docs = session.scalars(select(Document)).all()
        assert [(d.id, d.pages) for d in docs] == [(got.document_id, 4)]
        assert docs[0].status in ("filed", "needs_review")
        assert session.scalar(select(func.count()).select_from(Page)) == 4
        for action in ("document.extract", "document.classify"):
            events = session.scalars(
                select(JournalEvent).where(JournalEvent.action == action)
            ).all()
            assert len(events) == 1, action
    assert _indexed_ids(arc) == [got.document_id]
    _journal_verifies()


def test_a_celery_worker_serves_the_inbox(arc, broker, tmp_path):
    inbox = arc.settings.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    with celery_workers(tmp_path, ["ocr", "classify", "index"]):
        (inbox / "scan.pdf").write_bytes(image_pdf(FOUR_PAGES[:1]))
        wait_until(
            lambda: settled(arc) and list((inbox / "已导入").rglob("scan.pdf")),
            300,
            "the inbox scan to be received and read",
        )
    with arc.db.read() as session:
        docs = [(d.id, d.status, d.file.original_name) for d in session.scalars(select(Document))]
    assert [(status, name) for _, status, name in docs] == [("needs_review", "scan.pdf")]
    assert not (inbox / "scan.pdf").exists()
    assert _indexed_ids(arc) == [docs[0][0]]


def _maintenance_runs(arc) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """(actor, status) of every backup and (actor, finished or not) of every fixity run."""
    with arc.db.read() as session:
        backups = session.execute(select(Backup.actor, Backup.status).order_by(Backup.id)).all()
        runs = session.execute(
            select(FixityRun.actor, FixityRun.finished_at).order_by(FixityRun.id)
        ).all()
    return (
        [tuple(b) for b in backups],
        [(actor, "finished" if finished else "running") for actor, finished in runs],
    )


def test_beat_sends_the_scrub_and_the_daily_backup_to_a_maintenance_worker(
    arc, broker, tmp_path, monkeypatch
):
    receive_stream(arc, io.BytesIO(image_pdf(FOUR_PAGES[:1])), "scan.pdf", actor="t")
    target = tmp_path / "backups"
    for name, value in {
        "DANGAN_FIXITY_EVERY_SECONDS": "1",
        "DANGAN_BACKUP_DIR": str(target),
        "DANGAN_BACKUP_CHECK_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    with dangan_processes(
        tmp_path, ["beat"], ["worker", "--processes", "1", "--queue=maintenance"]
    ):
        backed_up = wait_until(
            lambda: (runs := _maintenance_runs(arc))[0] and runs,
            300,
            "beat's backup to be made by the maintenance worker",
            0.5,
        )
        # A check a second, each one after the backup finds it done: still one backup.
        scrubs = len(backed_up[1])
        wait_until(
            lambda: len(_maintenance_runs(arc)[1]) >= scrubs + 3, 120, "three more scrubs", 0.5
        )
    backups, runs = _maintenance_runs(arc)
    assert backups == [("schedule:daily-backup", "ok")]
    assert runs[0] == ("schedule:fixity", "finished") and {a for a, _ in runs} == {
        "schedule:fixity"
    }
    assert verify_backup(target).ok
    with arc.db.read() as session:
        actions = session.scalars(select(JournalEvent.action)).all()
        queued = session.scalars(select(Document.status)).all()
    assert actions.count("backup.create") == 1 and actions.count("fixity.run") >= 4
    assert queued == ["queued"]  # beat sends maintenance only: no pipeline worker ran
    _journal_verifies()


@pytest.mark.parametrize("broker_url", [None, "redis://127.0.0.1:9/0"])
def test_the_web_app_runs_the_schedules_only_without_a_broker(
    arc, tmp_path, monkeypatch, broker_url
):
    """With a broker, `dangan beat` runs them (above); the server must not run them too.
    The broker named is never reached: the app does not talk to it."""
    monkeypatch.setenv("DANGAN_FIXITY_FIRST_DELAY_SECONDS", "0")
    monkeypatch.setenv("DANGAN_BACKUP_DIR", str(tmp_path / "backups"))
    served = dataclasses.replace(
        arc, settings=dataclasses.replace(arc.settings, broker_url=broker_url)
    )
    with TestClient(create_app(served)):
        names = {t.name for t in threading.enumerate()}
        if broker_url is None:
            assert {"dangan-fixity", "daily-backup"} <= names
            wait_until(lambda: all(_maintenance_runs(arc)), 60, "the server's own schedules")
        else:
            assert not {"dangan-fixity", "daily-backup"} & names
    if broker_url is not None:
        assert _maintenance_runs(arc) == ([], [])


def _leases(arc) -> list[tuple[str, str | None, int, object]]:  # type: ignore[no-untyped-def]
    with arc.db.read() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Job.status, Job.lease_owner, Job.progress_done, Job.lease_expires_at)
                .where(Job.step == "extract")
                .order_by(Job.id)
            )
        ]


def test_a_machine_that_dies_whole_leaves_its_items_to_another_which_reads_them_once(
    arc, broker, tmp_path, monkeypatch
):
    """Every process of one machine killed at once (the worker, its pool, its dispatcher):
    no process is left to requeue a message or release a lease. The leases run out and
    the next machine's `dangan worker` sends the jobs again and reads each item once."""
    if not os.environ.get("DANGAN_TEST_DATABASE_URL"):
        pytest.skip("machines share a PostgreSQL database: set DANGAN_TEST_DATABASE_URL")
    if subprocess.run(["unshare", "--uts", "true"], capture_output=True).returncode != 0:
        pytest.skip("a second machine's host name needs `unshare --uts` (root)")
    monkeypatch.setenv("DANGAN_LEASE_SECONDS", "10")
    got = [
        receive_stream(
            arc,
            io.BytesIO(image_pdf([[*FOUR_PAGES[0], f"编号: {n}"], *FOUR_PAGES[1:]])),
            f"scan{n}.pdf",
            actor="t",
        )[0]
        for n in (1, 2)
    ]
    # "machine-b": its own host name, so that its dead processes' leases cannot be told
    # from a live machine's and must run out.
    command = (
        f"hostname machine-b && exec {DANGAN} worker --processes 2 --queue ocr --queue classify"
    )
    with (tmp_path / "machine-b.log").open("wb") as log:
        machine_b = subprocess.Popen(
            ["unshare", "--uts", "sh", "-c", command],
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def both_taken_one_midway() -> bool:
            leases = _leases(arc)
            return all((o or "").startswith("machine-b:") for _, o, _, _ in leases) and any(
                1 <= done < 4 for _, _, done, _ in leases
            )

        wait_until(both_taken_one_midway, 300, "machine-b to be reading both scans", 0.2)
    finally:
        os.killpg(machine_b.pid, signal.SIGKILL)
        machine_b.wait(10)
    assert [s for s, *_ in _leases(arc)] == ["leased", "leased"]
    wait_until(
        lambda: all(exp < utcnow() for *_, exp in _leases(arc)), 60, "machine-b's leases to end"
    )
    with celery_workers(tmp_path, []):  # another machine (this one), all queues
        wait_until(lambda: settled(arc), 600, "the other machine to finish both items", 1)

    with arc.db.read() as session:
        jobs = session.execute(select(Job.step, Job.status, Job.attempts).order_by(Job.id)).all()
        assert sorted(tuple(j) for j in jobs if j.step == "extract") == [("extract", "done", 2)] * 2
        assert all(tuple(j)[1:] == ("done", 1) for j in jobs if j.step != "extract")
        docs = session.scalars(select(Document).order_by(Document.id)).all()
        assert [(d.id, d.pages) for d in docs] == [(g.document_id, 4) for g in got]
        assert {d.status for d in docs} <= {"filed", "needs_review"}
        assert session.scalar(select(func.count()).select_from(Page)) == 8
        for action in ("document.extract", "document.classify"):
            events = session.scalars(
                select(JournalEvent.entity_id).where(JournalEvent.action == action)
            ).all()
            assert sorted(int(e) for e in events) == [g.document_id for g in got], action
    assert sorted(_indexed_ids(arc)) == [g.document_id for g in got]
    _journal_verifies()
