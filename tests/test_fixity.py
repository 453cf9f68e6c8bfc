"""The fixity scrub on a real store: a flipped byte and a missing blob are found, named
with their items and where they are filed, journaled, shown on the dashboard as an
alarm, and the command exits non-zero; a run with a time budget resumes with the
objects it did not reach; the journal chain is verified."""

from __future__ import annotations

import json
import os

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from dangan.archive import journal
from dangan.archive.models import FixityRun, JournalEvent, StoredFile
from dangan.cli.main import app as cli_app
from dangan.retention.fixity import latest_fixity_run, scrub
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401


def _flip_a_byte(path) -> None:  # type: ignore[no-untyped-def]
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_flipped_byte_and_missing_blob_raise_the_alarm(arc) -> None:  # type: ignore[no-untyped-def]
    world = w.build(arc)
    first = scrub(arc, actor="test")
    assert first.ok and first.checked == 4 and first.remaining == 0 and first.journal_ok
    with arc.db.read() as session:
        from dangan.archive.models import Document

        filed = session.get(Document, world.filed_id)
        other = session.get(Document, world.other_id)
        filed_sha, filed_code = filed.file.sha256, filed.archival_code
        other_sha, other_code = other.file.sha256, other.archival_code
    _flip_a_byte(arc.store.path(filed_sha))
    arc.store.path(other_sha).unlink()

    result = CliRunner().invoke(cli_app, ["fixity", "--json"])
    assert result.exit_code == 6, result.output
    report = json.loads(result.output)
    assert report["checked"] == 4
    by_code = {f["archival_code"]: f for f in report["failures"]}
    assert (
        by_code[filed_code]["check"] == "hash"
        and by_code[filed_code]["document_id"] == world.filed_id
    )
    assert by_code[other_code]["check"] == "missing"
    assert "白沙村 017 号户 王建国" in by_code[filed_code]["message"]
    assert "青山村" in by_code[other_code]["message"] and "缺失" in by_code[other_code]["message"]
    with arc.db.read() as session:
        events = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "fixity.failure")
        ).all()
        assert {e.after["sha256"] for e in events} == {filed_sha, other_sha}
        latest = latest_fixity_run(session)
        assert {f["archival_code"] for f in latest["open_failures"]} == {filed_code, other_code}
    # the dashboard names both
    client = TestClient(create_app(arc))
    w.login(client, "auditor")
    page = client.get("/").text
    assert 'id="fixity-alarm"' in page and filed_code in page and other_code in page


def test_budgeted_runs_roll_through_the_oldest_first(arc) -> None:  # type: ignore[no-untyped-def]
    w.build(arc)

    def verified() -> dict[int, object]:
        with arc.db.read() as session:
            return dict(session.execute(select(StoredFile.id, StoredFile.last_verified_at)).all())

    order = []
    for _ in range(4):
        before = verified()
        stopped = scrub(arc, actor="test", max_seconds=0)  # out of time after one object
        assert stopped.checked == 1
        after = verified()
        [changed] = [i for i in after if after[i] != before[i]]
        assert before[changed] is None  # a never-checked object goes first
        order.append(changed)
    assert sorted(order) == sorted(verified())
    # every object checked once: the next run starts again with the stalest
    again = scrub(arc, actor="test", max_seconds=0)
    after = verified()
    assert again.checked == 1 and max(after, key=lambda i: after[i]) == order[0]
    with arc.db.read() as session:
        runs = session.scalars(select(FixityRun).order_by(FixityRun.id)).all()
        assert len(runs) == 5 and all(r.finished_at for r in runs)


def test_a_broken_journal_fails_the_scrub(arc) -> None:  # type: ignore[no-untyped-def]
    w.build(arc)
    with arc.db.write() as session:
        session.execute(text("UPDATE journal SET actor = 'mallory' WHERE seq = 2"))
    result = scrub(arc, actor="test")
    assert not result.journal_ok and not result.ok
    assert any(f["check"] == "journal" and "第 2 条" in f["message"] for f in result.failures)
    with arc.db.read() as session:
        _count, problems = journal.verify(session)
        assert problems
