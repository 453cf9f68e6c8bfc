from __future__ import annotations

import multiprocessing as mp
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.archive import codes
from dangan.archive.db import Database
from dangan.archive.errors import InputError
from dangan.archive.filing import file_document
from dangan.archive.models import Document, JournalEvent
from dangan.archive.scheme import load_scheme
from dangan.archive.store import ContentStore
from tests import factories

TEMPLATE = load_scheme().code_template


def test_default_template_renders_the_domain_example():
    parts = codes.CodeParts(fonds="Z105", year=2018, retention="Y", village="003", household="017")
    assert codes.render(TEMPLATE, parts, 4) == "Z105-FP·2018-Y-003·017-0004"
    assert codes.group_of(TEMPLATE, parts) == "Z105-FP·2018-Y-003·017-#"
    assert codes.pattern(TEMPLATE).match("Z105-FP·2018-Y-003·017-0004")
    assert not codes.pattern(TEMPLATE).match("Z105-FP·2018-Y-003·017-4")


def test_template_must_have_an_item_number_and_known_fields():
    with pytest.raises(InputError, match="件号"):
        codes.check_template("{fonds}-{year}")
    with pytest.raises(InputError, match="未知字段"):
        codes.check_template("{fonds}-{shelf}-{item}")


def test_filing_numbers_each_group_from_one_without_gaps(arc):
    scheme = arc.scheme
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        made = [
            factories.document(session, arc, village_row=v, household_row=h, doc_type="H01"),
            factories.document(session, arc, village_row=v, household_row=h, doc_type="H07"),
            factories.document(session, arc, village_row=v, household_row=h, doc_type="H06"),
            factories.document(session, arc, village_row=v, household_row=None, doc_type="V02"),
            factories.document(
                session, arc, village_row=v, household_row=h, doc_type="H02", year=2019
            ),
        ]
        result = [file_document(session, d, scheme, actor="t", store=arc.store) for d in made]
    assert result == [
        "Z105-FP·2018-Y-003·017-0001",
        "Z105-FP·2018-Y-003·017-0002",
        "Z105-FP·2018-D30-003·017-0001",
        "Z105-FP·2018-Y-003·CJ-0001",
        "Z105-FP·2019-Y-003·017-0001",
    ]
    with arc.db.read() as session:
        events = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "document.file")
        ).all()
        assert [e.after["archival_code"] for e in events] == result
        assert all(d.status == "filed" for d in session.scalars(select(Document)))


def test_rolled_back_filing_gives_its_number_back(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        first = factories.document(session, arc, village_row=v, household_row=h).id
        second = factories.document(session, arc, village_row=v, household_row=h).id
    with pytest.raises(RuntimeError), arc.db.write() as session:
        assert file_document(
            session, session.get(Document, first), arc.scheme, actor="t", store=arc.store
        ).endswith("0001")
        raise RuntimeError("crash after numbering, before commit")
    with arc.db.write() as session:
        code = file_document(
            session, session.get(Document, second), arc.scheme, actor="t", store=arc.store
        )
    assert code.endswith("-0001")


def test_filing_refuses_incomplete_items(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        doc = factories.document(session, arc, village_row=v, household_row=None, doc_type="H01")
        with pytest.raises(InputError, match="必须指定贫困户"):
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        doc.household = factories.household(session, v)
        file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        with pytest.raises(InputError, match="已归档"):
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)


def _file_worker(url: str, ids: list[int], home: str, barrier) -> None:  # type: ignore[no-untyped-def]
    db = Database(url)
    scheme = load_scheme()
    store = ContentStore(Path(home) / "store")
    barrier.wait()
    for doc_id in ids:
        with db.write() as session:
            file_document(
                session,
                session.get(Document, doc_id),
                scheme,
                actor=f"worker-{ids[0]}",
                store=store,
            )
    db.dispose()


def test_two_concurrent_writers_never_duplicate_or_skip(arc, db_url):
    per_worker = 25
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        ids = [
            factories.document(session, arc, village_row=v, household_row=h).id
            for _ in range(2 * per_worker)
        ]
    arc.db.dispose()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=_file_worker, args=(db_url, ids[i::2], str(arc.settings.home), barrier))
        for i in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with arc.db.read() as session:
        docs = session.scalars(select(Document)).all()
        numbers = sorted(d.item_no for d in docs)
        actors = {
            e.actor
            for e in session.scalars(
                select(JournalEvent).where(JournalEvent.action == "document.file")
            )
        }
    assert numbers == list(range(1, 2 * per_worker + 1))
    assert len({d.archival_code for d in docs}) == 2 * per_worker
    assert all(re.fullmatch(r"Z105-FP·2018-Y-003·017-\d{4}", d.archival_code) for d in docs)
    assert len(actors) == 2  # both writers really filed
    with arc.db.read() as session:
        from dangan.archive import journal

        assert journal.verify(session)[1] == []
