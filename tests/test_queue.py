"""The job queue: quick steps before OCR, one lease at a time, leases that expire."""

from __future__ import annotations

from dangan.ingest import queue


def test_quick_steps_are_leased_before_ocr(arc):
    with arc.db.write() as session:
        ocr = queue.enqueue(session, "extract", document_id=None, queue=queue.SLOW_QUEUE).id
        quick = queue.enqueue(session, "classify", document_id=None, queue="classify").id
    first = queue.lease(arc.db, "w1")
    second = queue.lease(arc.db, "w2")
    assert (first.id, second.id) == (quick, ocr)
    assert queue.lease(arc.db, "w3") is None


def test_an_expired_lease_is_taken_again(arc, monkeypatch):
    monkeypatch.setenv("DANGAN_LEASE_SECONDS", "0")
    with arc.db.write() as session:
        job_id = queue.enqueue(session, "extract", document_id=None).id
    assert queue.lease(arc.db, "dead").id == job_id
    again = queue.lease(arc.db, "alive")
    assert (again.id, again.attempts) == (job_id, 2)
    with arc.db.write() as session:
        queue.finish(session, job_id, "alive")
    assert queue.lease(arc.db, "third") is None
