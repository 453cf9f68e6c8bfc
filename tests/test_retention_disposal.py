"""Disposal end to end on the real archive (SQLite, or PostgreSQL when configured):
propose, approve by another person, destroy before two witnesses; afterwards the blob,
the text and the index entry are gone, the catalog row and the 销毁清册 stay, the
journal verifies, and asking for the file says when and by which list it went."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import replace

import pytest
from sqlalchemy import select

from dangan.archive import journal, users
from dangan.archive.errors import InputError, NotAllowed
from dangan.archive.filing import file_document
from dangan.archive.models import Document, Page, StoredFile
from dangan.retention import disposal
from dangan.retention.disposal_report import COLUMNS
from dangan.retention.holds import place_holds, release_hold
from dangan.search.service import SearchService, index_changed
from tests import factories
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401

TODAY = dt.date(2026, 12, 6)


def _filed(session, arc, village, household, doc_type, year, text):  # type: ignore[no-untyped-def]
    doc = factories.document(
        session, arc, village_row=village, household_row=household, doc_type=doc_type, year=year
    )
    doc.title = f"{doc_type} {year} {text}"
    doc.extra = {"facts": {"names": ["王建国"]}}
    doc.pages = 1
    session.add(Page(document=doc, page_no=1, text=text, confidence=0.9, engine="test"))
    session.flush()
    file_document(session, doc, arc.scheme, actor="test", store=arc.store)
    return doc


@pytest.fixture
def world(arc):  # type: ignore[no-untyped-def]
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        wang = factories.household(session, v3)
        ids = {
            "card_2005": _filed(session, arc, v3, wang, "H12", 2005, "帮扶联系卡 旧卡片甲").id,
            "card_2012": _filed(session, arc, v3, wang, "H12", 2012, "帮扶联系卡 旧卡片乙").id,
            "card_2016": _filed(session, arc, v3, wang, "H12", 2016, "帮扶联系卡 新卡片").id,
            "apply_2005": _filed(session, arc, v3, wang, "H01", 2005, "申请书 永久保管").id,
        }
        for name, role in (
            ("keeper", "archivist"),
            ("head", "admin"),
            ("w1", "auditor"),
            ("w2", "inspector"),
        ):
            users.create_user(session, name, role=role, password=PASSWORD, actor="test")
        accounts = {a.username: a for a in users.list_users(session)}
    index_changed(arc, ids.values())
    return ids, accounts


def test_only_due_unheld_fixed_term_items_are_proposed(arc, world):  # type: ignore[no-untyped-def]
    ids, accounts = world
    with arc.db.write() as session:
        [hold] = place_holds(
            session, actor="head", reason="审计检查", document_ids=[ids["card_2012"]]
        )
    data = disposal.propose(arc, accounts["keeper"], today=TODAY)
    assert [i["document_id"] for i in data["items"]] == [ids["card_2005"]]
    assert data["items"][0]["retention_name"] == "定期10年"
    # an item on an open list is not proposed twice; the held one once released is
    with arc.db.write() as session:
        release_hold(session, hold.id, actor="head", reason="检查结束")
    second = disposal.propose(arc, accounts["keeper"], today=TODAY)
    assert [i["document_id"] for i in second["items"]] == [ids["card_2012"]]
    with pytest.raises(InputError, match="没有到期且可销毁的文件"):
        disposal.propose(arc, accounts["keeper"], today=TODAY)


def test_full_disposal(arc, world):  # type: ignore[no-untyped-def]
    ids, accounts = world
    target, other = ids["card_2005"], ids["card_2012"]
    with arc.db.read() as session:
        doc = session.get(Document, target)
        sha, code = doc.file.sha256, doc.archival_code
        other_sha = session.get(Document, other).file.sha256
        kept_sha = session.get(Document, ids["card_2016"]).file.sha256
    assert arc.store.exists(sha)
    search = SearchService(arc)
    assert search.search("旧卡片甲", sync=False)["total"] == 1

    data = disposal.propose(arc, accounts["keeper"], today=TODAY)
    list_id = data["id"]
    assert data["status"] == "draft" and set(data["reports"]) == {"xlsx", "docx", "pdf"}
    # the proposer cannot approve, an archivist may not approve, the head may
    with pytest.raises(NotAllowed, match="须由另一人批准"):
        disposal.approve(arc, replace(accounts["keeper"], role="admin"), list_id, today=TODAY)
    with pytest.raises(NotAllowed, match="无权批准"):
        disposal.approve(arc, accounts["w2"], list_id, today=TODAY)
    # not before approval
    with pytest.raises(InputError, match="只有已批准的清册可以销毁"):
        disposal.destroy(
            arc,
            accounts["keeper"],
            list_id,
            witnesses=[accounts["w1"], accounts["w2"]],
            today=TODAY,
        )
    disposal.approve(arc, accounts["head"], list_id, today=TODAY)
    # witnesses: two, different, not the proposer
    for bad in (
        [accounts["w1"]],
        [accounts["w1"], accounts["w1"]],
        [accounts["w1"], accounts["keeper"]],
    ):
        with pytest.raises((InputError, NotAllowed)):
            disposal.destroy(arc, accounts["head"], list_id, witnesses=bad, today=TODAY)
    # a hold placed after approval blocks destruction
    with arc.db.write() as session:
        [hold] = place_holds(session, actor="w2", reason="信访争议", household="017")
    with pytest.raises(NotAllowed, match="冻结中: 信访争议"):
        disposal.destroy(
            arc, accounts["head"], list_id, witnesses=[accounts["w1"], accounts["w2"]], today=TODAY
        )
    with arc.db.write() as session:
        release_hold(session, hold.id, actor="w2", reason="已化解")

    done = disposal.destroy(
        arc, accounts["head"], list_id, witnesses=[accounts["w1"], accounts["w2"]], today=TODAY
    )
    index_changed(arc, done.destroyed_ids)
    assert done.destroyed_ids == [target, other] and done.removed == [sha, other_sha]
    assert not arc.store.exists(sha) and not arc.store.exists(other_sha)
    assert arc.store.exists(kept_sha)
    assert SearchService(arc).search("旧卡片甲", sync=False)["total"] == 0
    with arc.db.read() as session:
        doc = session.get(Document, target)
        assert doc.status == "destroyed" and doc.archival_code == code
        assert session.scalars(select(Page).where(Page.document_id == target)).all() == []
        assert "facts" not in doc.extra
        assert session.scalar(select(StoredFile).where(StoredFile.sha256 == sha)).destroyed_at
        assert disposal.destruction_notice(doc) == (
            f"文件 {code} 已于 2026-12-06 按销毁清册 {done.list['number']} 销毁"
        )
        _count, problems = journal.verify(session)
        assert problems == []
        actions = [e.action for e in journal.history(session, "document", target)]
        assert actions[-1] == "document.destroy" and "document.file" in actions
    # the list is kept, printed with its witnesses, in the store
    final = disposal.get_list(arc, list_id)
    assert final["status"] == "destroyed" and final["witnesses"] == ["w1", "w2"]
    pdf = arc.store.read_bytes(final["reports"]["pdf"], verify=True)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in ("销毁清册", code, "定期10年", "监销人", "w1", "w2", "已销毁", "操作日志头"):
        assert expected in text, expected
    import io

    import docx
    import openpyxl

    sheet = openpyxl.load_workbook(
        io.BytesIO(arc.store.read_bytes(final["reports"]["xlsx"], verify=True))
    ).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert code in cells and "已销毁" in cells
    assert list(COLUMNS) == [c for c in cells if c in COLUMNS][: len(COLUMNS)]
    word = docx.Document(io.BytesIO(arc.store.read_bytes(final["reports"]["docx"], verify=True)))
    assert [c.text for c in word.tables[1].rows[0].cells] == list(COLUMNS)
    assert code in [c.text for row in word.tables[1].rows for c in row.cells]
    # nothing further on a destroyed list
    with pytest.raises(InputError):
        disposal.reject(arc, accounts["head"], list_id, reason="迟了", today=TODAY)


def test_extension_takes_an_item_off_a_draft_list(arc, world):  # type: ignore[no-untyped-def]
    ids, accounts = world
    data = disposal.propose(arc, accounts["keeper"], today=TODAY)
    assert len(data["items"]) == 2
    disposal.extend(
        arc,
        accounts["keeper"],
        ids["card_2005"],
        years=30,
        reason="仍有查考价值",
        actor="keeper",
        today=TODAY,
    )
    listed = disposal.get_list(arc, data["id"])
    extended = [i for i in listed["items"] if i["document_id"] == ids["card_2005"]]
    assert extended[0]["status"] == "extended" and "仍有查考价值" in extended[0]["remarks"]
    with pytest.raises(InputError, match="永久保管"):
        disposal.extend(
            arc, None, ids["apply_2005"], years=5, reason="x", actor="keeper", today=TODAY
        )
    disposal.approve(arc, accounts["head"], data["id"], today=TODAY)
    done = disposal.destroy(
        arc, accounts["head"], data["id"], witnesses=[accounts["w1"], accounts["w2"]], today=TODAY
    )
    assert done.destroyed_ids == [ids["card_2012"]]
    with arc.db.read() as session:
        assert session.get(Document, ids["card_2005"]).status == "filed"


def test_the_rendition_of_a_destroyed_original_goes_with_it(arc, world):  # type: ignore[no-untyped-def]
    ids, accounts = world
    rendition = arc.store.put_bytes(b"%PDF-1.4 rendition of the 2005 card").sha256
    with arc.db.write() as session:
        doc = session.get(Document, ids["card_2005"])
        session.add(
            StoredFile(
                sha256=rendition,
                size=35,
                media_type="pdf",
                original_name="连心卡.doc.pdf",
                role="rendition",
                derived_from_id=doc.file_id,
            )
        )
    list_id = disposal.propose(arc, accounts["keeper"], today=TODAY)["id"]
    disposal.approve(arc, accounts["head"], list_id, today=TODAY)
    done = disposal.destroy(
        arc, accounts["head"], list_id, witnesses=[accounts["w1"], accounts["w2"]], today=TODAY
    )
    assert rendition in done.removed and not arc.store.exists(rendition)
    with arc.db.read() as session:
        assert session.scalar(select(StoredFile).where(StoredFile.sha256 == rendition)).destroyed_at


def test_the_crops_of_a_destroyed_items_signature_fields_go_with_it(arc, world):  # type: ignore[no-untyped-def]
    ids, accounts = world
    crop = arc.store.put_bytes(b"\x89PNG signature field of 2005").sha256
    with arc.db.write() as session:
        doc = session.get(Document, ids["card_2005"])
        session.add(
            StoredFile(
                sha256=crop,
                size=28,
                media_type="image/png",
                original_name="签字处.png",
                role="derived",
                derived_from_id=doc.file_id,
            )
        )
        signatures = [{"page": 1, "label": "户主签字", "signed": False, "ink": 0.0, "crop": crop}]
        doc.extra = {**doc.extra, "signatures": signatures}
    list_id = disposal.propose(arc, accounts["keeper"], today=TODAY)["id"]
    disposal.approve(arc, accounts["head"], list_id, today=TODAY)
    disposal.destroy(
        arc, accounts["head"], list_id, witnesses=[accounts["w1"], accounts["w2"]], today=TODAY
    )
    assert not arc.store.exists(crop)
    with arc.db.read() as session:
        assert "signatures" not in session.get(Document, ids["card_2005"]).extra
        assert session.scalar(select(StoredFile).where(StoredFile.sha256 == crop)).destroyed_at
