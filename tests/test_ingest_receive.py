"""Receiving: durable before acknowledged, duplicates reported, bad input kept and explained."""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlalchemy import select

from dangan.archive.models import Document, Job, JournalEvent, StoredFile
from dangan.ingest.receive import Hints, receive_paths, receive_stream

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)


def test_received_file_is_stored_queued_journaled_and_has_a_job(arc):
    [got] = receive_stream(arc, io.BytesIO(PNG_1PX), "申请书.png", actor="tester")
    assert got.outcome == "queued"
    sha = hashlib.sha256(PNG_1PX).hexdigest()
    assert arc.store.path(sha).read_bytes() == PNG_1PX
    with arc.db.read() as session:
        doc = session.get(Document, got.document_id)
        assert (doc.status, doc.file.sha256, doc.file.original_name, doc.file.media_type) == (
            "queued",
            sha,
            "申请书.png",
            "png",
        )
        job = session.scalars(select(Job)).one()
        assert (job.step, job.document_id, job.status) == ("extract", doc.id, "pending")
        event = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "document.receive")
        ).one()
        assert event.after["sha256"] == sha and event.actor == "tester"


def test_duplicate_is_reported_not_stored_twice(arc):
    [first] = receive_stream(arc, io.BytesIO(PNG_1PX), "a.png", actor="t")
    [again] = receive_stream(arc, io.BytesIO(PNG_1PX), "copy-of-a.png", actor="t")
    assert again.outcome == "duplicate"
    assert again.document_id == first.document_id
    assert "copy-of-a.png" in again.message and "内容相同" in again.message
    with arc.db.read() as session:
        assert len(session.scalars(select(Document)).all()) == 1
        assert len(session.scalars(select(StoredFile)).all()) == 1


def test_unsupported_file_is_kept_failed_with_a_reason(arc):
    exe = b"MZ\x90\x00" + b"\x00" * 200
    [got] = receive_stream(arc, io.BytesIO(exe), "通知.pdf", actor="t")
    assert got.outcome == "failed"
    assert got.message.startswith("通知.pdf: ")
    with arc.db.read() as session:
        doc = session.get(Document, got.document_id)
        assert doc.status == "failed" and doc.error == got.message
        assert session.scalars(select(Job)).all() == []
    assert arc.store.path(hashlib.sha256(exe).hexdigest()).read_bytes() == exe


def test_zip_members_are_received_one_by_one(arc, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("白沙村/001/申请书.png", PNG_1PX)
        zf.writestr("白沙村/001/notes.exe", b"MZ\x90\x00" + b"\x01" * 100)
    path = tmp_path / "batch.zip"
    path.write_bytes(buf.getvalue())
    results = receive_paths(arc, [path], actor="t")
    assert [(r.name, r.outcome) for r in results] == [
        ("batch.zip/白沙村/001/申请书.png", "queued"),
        ("batch.zip/白沙村/001/notes.exe", "failed"),
    ]
    with arc.db.read() as session:
        container = session.scalar(select(StoredFile).where(StoredFile.role == "container"))
        assert container.original_name == "batch.zip"
        doc = session.get(Document, results[0].document_id)
        assert doc.extra["container_sha256"] == container.sha256


def test_zip_slip_keeps_the_archive_as_a_failed_item(arc, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/cron.d/evil", b"* * * * * root sh")
    path = tmp_path / "slip.zip"
    path.write_bytes(buf.getvalue())
    [got] = receive_paths(arc, [path], actor="t")
    assert got.outcome == "failed" and got.message.startswith("slip.zip")
    assert not (arc.settings.home.parent / "etc").exists()
    assert arc.store.verify(hashlib.sha256(buf.getvalue()).hexdigest())


def test_hints_are_checked_before_anything_is_stored(arc, tmp_path):
    import pytest

    from dangan.archive.errors import NotFound

    path = tmp_path / "a.png"
    path.write_bytes(PNG_1PX)
    with pytest.raises(NotFound, match="没有行政村 无此村"):
        receive_paths(arc, [path], actor="t", hints=Hints(village="无此村"))
    assert not arc.store.exists(hashlib.sha256(PNG_1PX).hexdigest())


def test_hints_travel_with_the_item(arc, tmp_path):
    from dangan.archive.models import Household, Village

    with arc.db.write() as session:
        v = Village(township=arc.township(session), code="003", name="白沙村")
        session.add(
            Household(
                village=v, household_no="017", head_name="王建国", id_number="11010519491231002X"
            )
        )
    path = tmp_path / "a.png"
    path.write_bytes(PNG_1PX)
    [got] = receive_paths(arc, [path], actor="t", hints=Hints(village="白沙村", household="017"))
    with arc.db.read() as session:
        assert session.get(Document, got.document_id).extra == {
            "hint_village": "003",
            "hint_household": "017",
        }
