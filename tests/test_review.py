"""The review queue and re-filing: every correction journaled, nothing renumbered."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.archive.errors import InputError
from dangan.archive.filing import refile, review_and_file
from dangan.archive.models import Document, JournalEvent
from dangan.cli.main import app
from tests import factories


@pytest.fixture
def waiting(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        factories.household(session, v, number="018", head="李桂芳")
        doc = factories.document(session, arc, village_row=v, household_row=None, doc_type="H01")
        doc.status = "needs_review"
        doc.review_reasons = ["未能确定所属贫困户"]
        return doc.id, h.id


def test_review_list_shows_reasons(arc, waiting):
    out = CliRunner().invoke(app, ["review", "list", "--json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    assert row["id"] == waiting[0] and row["reasons"] == ["未能确定所属贫困户"]


def test_review_file_files_and_journals_the_correction(arc, waiting):
    doc_id, _ = waiting
    out = CliRunner().invoke(
        app,
        ["review", "file", str(doc_id), "--type", "H02", "--village", "003", "--household", "017"],
    )
    assert out.exit_code == 0, out.output
    assert "Z105-FP·2018-Y-003·017-0001" in out.output
    with arc.db.read() as session:
        doc = session.get(Document, doc_id)
        assert (doc.status, doc.doc_type, doc.household.head_name, doc.review_reasons) == (
            "filed",
            "H02",
            "王建国",
            [],
        )
        event = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "document.review")
        ).one()
        assert event.before["doc_type"] == "H01" and event.before["household_no"] is None
        assert event.after["doc_type"] == "H02" and event.after["household_no"] == "017"
        assert event.actor.startswith("cli:")


def test_review_file_refuses_an_item_not_in_review(arc, waiting):
    doc_id, _ = waiting
    runner = CliRunner()
    assert runner.invoke(app, ["review", "file", str(doc_id), "--household", "017"]).exit_code == 0
    again = runner.invoke(app, ["review", "file", str(doc_id), "--household", "018"])
    assert again.exit_code != 0
    assert "不在待审核队列" in str(again.exception)


def test_refile_moves_to_a_new_code_and_keeps_the_old_one(arc, waiting):
    doc_id, _ = waiting
    with arc.db.write() as session:
        doc = session.get(Document, doc_id)
        h17 = doc.village.households[0]
        first = review_and_file(session, doc, arc.scheme, actor="a", store=arc.store, household=h17)
        # A second item takes 0002 in the same group, so moving the first leaves 0001 retired.
        other = factories.document(session, arc, village_row=doc.village, household_row=h17)
        other.status = "needs_review"
        review_and_file(session, other, arc.scheme, actor="a", store=arc.store)
    out = CliRunner().invoke(
        app, ["review", "refile", str(doc_id), "--household", "018", "--reason", "户主认错"]
    )
    assert out.exit_code == 0, out.output
    with arc.db.read() as session:
        doc = session.get(Document, doc_id)
        assert doc.archival_code == "Z105-FP·2018-Y-003·018-0001"
        assert doc.extra["former_codes"] == [first]
        event = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "document.refile")
        ).one()
        assert event.before["archival_code"] == first
        assert event.after["archival_code"] == "Z105-FP·2018-Y-003·018-0001"
        assert event.after["reason"] == "户主认错"
        assert session.get(Document, other.id).archival_code == "Z105-FP·2018-Y-003·017-0002"


def test_refile_needs_a_reason_and_a_filed_item(arc, waiting):
    doc_id, _ = waiting
    with arc.db.write() as session:
        doc = session.get(Document, doc_id)
        with pytest.raises(InputError, match="尚未归档"):
            refile(session, doc, arc.scheme, actor="a", store=arc.store, reason="x")
        review_and_file(
            session,
            doc,
            arc.scheme,
            actor="a",
            store=arc.store,
            household=doc.village.households[0],
        )
        with pytest.raises(InputError, match="说明原因"):
            refile(session, doc, arc.scheme, actor="a", store=arc.store, reason=" ")
