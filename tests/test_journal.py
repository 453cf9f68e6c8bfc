from __future__ import annotations

import itertools

from sqlalchemy import delete, select, update

from dangan.archive import journal
from dangan.archive.models import Counter, JournalEvent


def _write_events(arc, n=5):
    with arc.db.write() as session:
        for i in range(n):
            journal.record(
                session,
                actor="tester",
                action="household.update",
                entity_type="household",
                entity_id=i,
                before={"members": i},
                after={"members": i + 1, "名": "王建国"},
            )


def _verify(arc):
    with arc.db.read() as session:
        return journal.verify(session)


def test_intact_chain_verifies(arc):
    _write_events(arc)
    count, problems = _verify(arc)
    assert problems == []
    assert count == 6  # init journals the township, plus five


def test_events_chain_by_hash(arc):
    _write_events(arc, 3)
    with arc.db.read() as session:
        events = list(session.scalars(select(JournalEvent).order_by(JournalEvent.seq)))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == journal.GENESIS
    for prev, event in itertools.pairwise(events):
        assert event.prev_hash == prev.hash


def test_edited_event_is_detected(arc):
    _write_events(arc)
    with arc.db.write() as session:
        session.execute(update(JournalEvent).where(JournalEvent.seq == 3).values(actor="intruder"))
    _count, problems = _verify(arc)
    assert [p.seq for p in problems] == [3]
    assert "被修改" in problems[0].reason


def test_edited_payload_is_detected(arc):
    _write_events(arc)
    with arc.db.write() as session:
        session.execute(
            update(JournalEvent).where(JournalEvent.seq == 4).values(after={"members": 99})
        )
    _count, problems = _verify(arc)
    assert [p.seq for p in problems] == [4]


def test_deleted_event_is_detected(arc):
    _write_events(arc)
    with arc.db.write() as session:
        session.execute(delete(JournalEvent).where(JournalEvent.seq == 2))
    _count, problems = _verify(arc)
    assert problems and problems[0].seq == 2
    assert any("缺失" in p.reason for p in problems)


def test_truncated_tail_is_detected(arc):
    _write_events(arc)
    with arc.db.write() as session:
        session.execute(delete(JournalEvent).where(JournalEvent.seq == 6))
    _count, problems = _verify(arc)
    assert len(problems) == 1 and "日志头" in problems[0].reason


def test_tail_truncated_together_with_head_is_the_chain_limit(arc):
    """A hash chain cannot see its own tail cut off when the head counter is cut
    to match; only an anchor kept outside the database could. Documented here."""
    _write_events(arc)
    with arc.db.write() as session:
        session.execute(delete(JournalEvent).where(JournalEvent.seq == 6))
        session.execute(update(Counter).where(Counter.key == journal.HEAD_KEY).values(value=5))
    _count, problems = _verify(arc)
    # A consistent truncation of both is outside what a hash chain can see; it verifies.
    assert problems == []


def test_journal_verify_cli_exit_codes(arc):
    from typer.testing import CliRunner

    from dangan.cli.main import app

    _write_events(arc)
    runner = CliRunner()
    ok = runner.invoke(app, ["journal", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"ok": true' in ok.output
    with arc.db.write() as session:
        session.execute(update(JournalEvent).where(JournalEvent.seq == 2).values(action="forged"))
    bad = runner.invoke(app, ["journal", "verify"])
    assert bad.exit_code == 6
