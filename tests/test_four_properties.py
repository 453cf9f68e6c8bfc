"""Filing-stage four-property checks: an item that fails one is not filed; it waits in
review with the check's reason, and each result is kept with its date."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dangan.archive.errors import FilingRefused
from dangan.archive.filing import file_document
from dangan.archive.four_properties import file_checks
from dangan.archive.models import CheckResult, Document
from dangan.ingest.pipeline import StepContext, classify_step
from tests import factories


def test_a_broken_code_is_refused_with_its_reason(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v, number="17/2")
        doc = factories.document(session, arc, village_row=v, household_row=h)
        with pytest.raises(FilingRefused, match="1-3") as refused:
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        assert doc.archival_code is None and doc.status == "queued"
        assert any("档号" in r and "不符合编制规则" in r for r in refused.value.reasons)
        results = session.scalars(
            select(CheckResult).where(CheckResult.document_id == doc.id)
        ).all()
        outcomes = {r.code: r.outcome for r in results}
        assert outcomes["1-3"] == "failed" and outcomes["1-1"] == "passed"
        assert outcomes["4-2"] == "unchecked"  # no ClamAV socket here: said so, not passed
        assert all(r.checked_at is not None and r.stage == "filing" for r in results)


def test_missing_required_metadata_is_refused(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        doc = factories.document(session, arc, village_row=v, household_row=h)
        doc.date = None
        with pytest.raises(FilingRefused, match="缺少 日期"):
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        # the refused item gave its number back: the next one of the group gets 0001
        other = factories.document(session, arc, village_row=v, household_row=h)
        code = file_document(session, other, arc.scheme, actor="t", store=arc.store)
        assert code == "Z105-FP·2018-Y-003·017-0001" and doc.archival_code is None


def test_the_pipeline_sends_a_failing_item_to_review(arc, monkeypatch):
    """classify_step files a sure item only when the checks pass."""
    from dangan.ingest import pipeline
    from dangan.ingest.classify import Decision

    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v, number="17/2")
        doc = factories.document(session, arc, village_row=v, household_row=h)
        doc.status = "processing"
        doc_id = doc.id

    def sure(session, scheme, text, **kw):  # type: ignore[no-untyped-def]
        """The classifier's answer fixed (a sure H01 of household 17/2): this test is
        about what filing does with a sure item, not about classifying."""
        doc = session.get(Document, doc_id)
        return Decision(
            doc_type="H01",
            type_confidence=1.0,
            village=doc.village,
            household=doc.household,
            place_confidence=1.0,
            date=doc.date,
            year=2018,
            title="贫困户申请书",
        )

    monkeypatch.setattr(pipeline, "decide", sure)
    with arc.db.write() as session:
        from dangan.ingest.queue import enqueue

        job = enqueue(session, "classify", document_id=doc_id, queue="classify")
        job_id = job.id
    from dangan.ingest.queue import lease

    leased = lease(arc.db, "t", ["classify"])
    assert leased is not None and leased.id == job_id
    classify_step(StepContext(arc=arc, owner="t", engine=None), leased)  # type: ignore[arg-type]
    with arc.db.read() as session:
        doc = session.get(Document, doc_id)
        assert doc.status == "needs_review" and doc.archival_code is None
        assert any("四性检测 1-3" in r for r in doc.review_reasons)


def test_file_checks_find_a_disguised_file_and_a_script(tmp_path):
    fake = tmp_path / "a.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    codes = {r.code: r.outcome for r in file_checks(fake, "pdf")}
    assert codes["3-1"] == "failed" and codes["3-2"] == "failed" and codes["4-1"] == "failed"
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    script = tmp_path / "js.pdf"
    with script.open("wb") as fh:
        writer.write(fh)
    results = {r.code: r for r in file_checks(script, "pdf")}
    assert results["4-1"].failed and "JavaScript" in results["4-1"].message
    assert results["3-1"].outcome == "passed"


def test_a_rendition_is_held_to_the_whitelist_and_its_original_searched_too(tmp_path):
    """A .doc is kept with its PDF rendition: 3-x are the PDF's, 4-1 looks in both."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    rendition = tmp_path / "rendition.pdf"
    with rendition.open("wb") as fh:
        writer.write(fh)
    original = tmp_path / "申请书.doc"
    original.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    alone = {r.code: r for r in file_checks(original, "doc")}
    assert alone["3-2"].failed
    kept = {r.code: r for r in file_checks(rendition, "pdf", original=original)}
    assert kept["3-1"].outcome == kept["3-2"].outcome == "passed"
    assert "转换副本" in kept["3-2"].message and kept["4-1"].outcome == "passed"
    original.write_bytes(b"MZ\x90\x00 a program named .doc")
    kept = {r.code: r for r in file_checks(rendition, "pdf", original=original)}
    assert kept["4-1"].failed and kept["4-1"].message.startswith("原件")


def test_check_reports_each_stage_and_fails_on_a_changed_file(arc, tmp_path):
    import json

    from typer.testing import CliRunner

    from dangan.cli.main import app

    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        doc = factories.document(session, arc, village_row=v, household_row=h)
        doc.pages = 1
        file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        sha, code = doc.file.sha256, doc.archival_code
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["failures"] == [] and report["checked"] == 1
    unchecked = {(u["check"], u["message"]) for u in report["unchecked"]}
    assert ("4-2", "未检测(未配置杀毒引擎)") in unchecked
    assert ("1-5", "未检测(尚无定期固化信息核验记录)") in unchecked
    assert ("4-5", "未检测(尚无可恢复的备份记录)") in unchecked

    path = arc.store.path(sha)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\n% changed")
    out = tmp_path / "四性.xlsx"
    result = runner.invoke(app, ["check", "--stage", "filing", "--json", "-o", str(out)])
    assert result.exit_code == 1
    failures = json.loads(result.stdout)["failures"]
    assert [(f["check"], f["archival_code"]) for f in failures] == [("1-1", code)]
    from openpyxl import load_workbook

    assert load_workbook(out)["不通过"]["C2"].value == code
    with arc.db.read() as session:
        kept = session.scalars(
            select(CheckResult).where(CheckResult.code == "1-1", CheckResult.outcome == "failed")
        ).all()
        assert len(kept) == 1 and kept[0].document_id is not None


def test_a_configured_clamd_is_asked_over_its_socket(tmp_path, monkeypatch):
    """clamd's INSTREAM protocol, answered by a stand-in on a real Unix socket (ClamAV is
    not installed here): a FOUND fails 4-2, an OK passes it, a dead socket is 未检测."""
    import socket
    import struct
    import threading

    from dangan.archive.virus import scan_file

    where = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(where)
    server.listen()

    def answer() -> None:
        for _ in range(2):
            conn, _ = server.accept()
            with conn:
                command = conn.recv(10)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    (size,) = struct.unpack(">I", conn.recv(4, socket.MSG_WAITALL))
                    if size == 0:
                        break
                    data += conn.recv(size, socket.MSG_WAITALL)
                verdict = (
                    b"stream: Eicar-Signature FOUND\0" if b"EICAR" in data else b"stream: OK\0"
                )
                conn.sendall(verdict)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    monkeypatch.setenv("DANGAN_CLAMD_SOCKET", where)
    bad, good = tmp_path / "bad.pdf", tmp_path / "good.pdf"
    bad.write_bytes(b"%PDF-1.4 X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!")
    good.write_bytes(factories.pdf_bytes("clean"))
    found = scan_file(bad)
    assert found.outcome == "failed" and "Eicar-Signature" in found.message
    assert scan_file(good).outcome == "passed"
    thread.join(5)
    server.close()
    dead = scan_file(good)
    assert dead.outcome == "unchecked" and "无法连接" in dead.message


def test_an_item_without_a_date_is_filed_once_a_person_gives_it(arc):
    from typer.testing import CliRunner

    from dangan.cli.main import app

    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        doc = factories.document(session, arc, village_row=v, household_row=h)
        doc.date, doc.status, doc.pages = None, "needs_review", 1
        doc_id = doc.id
    runner = CliRunner()
    refused = runner.invoke(app, ["review", "file", str(doc_id)])
    assert isinstance(refused.exception, FilingRefused) and "缺少 日期" in str(refused.exception)
    filed = runner.invoke(app, ["review", "file", str(doc_id), "--date", "20180305"])
    assert filed.exit_code == 0, filed.output
    with arc.db.read() as session:
        doc = session.get(Document, doc_id)
        assert doc.status == "filed" and doc.date.isoformat() == "2018-03-05"
