"""The facts an item holds for the audit: read when the pipeline classifies it, kept
with it, and read again by the audit when they are missing or stale."""

from __future__ import annotations

import docx
from sqlalchemy import select

from dangan.archive.context import Archive
from dangan.archive.document_facts import FACTS_VERSION, read_document_facts
from dangan.archive.models import Document
from dangan.audit.run import run_audit
from dangan.audit.settings import load_settings
from tests import factories
from tests.test_audit_three_way import MANUAL, add, build

WORDS = {"产业扶持": ("发放种猪",), "转移就业": ("就业扶持", "务工")}


def test_each_type_reads_its_own_facts() -> None:
    manual = MANUAL.format(members=4, helper="王德兴", wage=2200, income=3060, sign="签字")
    facts = read_document_facts("H07", [(1, manual)], 2018, WORDS)
    assert facts is not None and facts["v"] == FACTS_VERSION and facts["type"] == "H07"
    assert [m[0] for m in facts["members"]] == [4]
    assert "王德兴" in [h[0] for h in facts["helpers"]]
    assert [(y, a) for y, a, *_ in facts["incomes"]] == [(2017, 2260.0), (2018, 3060.0)]
    assert [(m[0], m[1]) for m in facts["measures"]] == [
        ("2018-07-02", "转移就业"),
        ("2018-08-08", "产业扶持"),
    ]
    survey = read_document_facts("H11", [(1, manual)], 2018, WORDS)
    assert survey is not None and set(survey) == {"v", "type", "ocr", "incomes"}
    assert read_document_facts("H12", [(1, manual)], 2018, WORDS) is None  # a 连心卡


def test_notice_and_minutes() -> None:
    notice = read_document_facts(
        "V05", [(1, "拟脱贫户公示\n公示时间：2018年10月22日至2018年10月26日。")], 2018, WORDS
    )
    assert notice is not None and notice["notice"][:2] == ["2018-10-22", "2018-10-26"]
    announcement = read_document_facts("V05", [(1, "脱贫户名单公告\n2018年11月2日")], 2018, WORDS)
    assert announcement is not None and not announcement["is_notice"]
    minutes = read_document_facts("V02", [(1, "会议记录\n时间：2018年?月23日")], 2018, WORDS)
    assert minutes is not None and minutes["meeting"][0] is None


def test_the_pipeline_keeps_the_facts_with_the_item(arc: Archive, tmp_path, carry) -> None:
    from dangan.ingest.receive import Hints, receive_paths

    with arc.db.write() as session:
        village = factories.village(session, arc)
        factories.household(session, village)
    paper = docx.Document()
    for line in (
        "贫困户信息采集表",
        "户主姓名：王建国",
        "家庭人口：4人",
        "人均纯收入 2130.00元",
        "填表日期：2015年11月1日",
    ):
        paper.add_paragraph(line)
    path = tmp_path / "信息采集表.docx"
    paper.save(path)
    [got] = receive_paths(arc, [path], actor="t", hints=Hints(village="003", household="017"))
    carry(arc)
    with arc.db.read() as session:
        doc = session.get(Document, got.document_id)
        assert doc.doc_type == "H05", doc.review_reasons
        facts = doc.extra["facts"]
    assert facts["type"] == "H05" and [m[0] for m in facts["members"]] == [4]
    assert [(y, a) for y, a, *_ in facts["incomes"]] == [(2015, 2130.0)]


def test_the_audit_reads_again_facts_of_another_type_or_version(arc: Archive) -> None:
    build(arc, roster_members=5)
    with arc.db.write() as session:
        manual = session.scalars(select(Document).where(Document.doc_type == "H07")).one()
        # as if classified as another type first and refiled since: stored facts say 3
        manual.extra = {"facts": {"v": FACTS_VERSION, "type": "H05", "members": [[3, 1, "x"]]}}
    with arc.db.read() as session:
        report = run_audit(session, arc.scheme, load_settings(), rules=["MEMBERS_MISMATCH"])
    (found,) = report["findings"]
    assert "扶贫手册记4人" in found["message"]  # read from the page, not the stale 3


def test_stored_facts_are_used_without_reading_pages(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        hh = factories.household(session, village)
        hh.members = 5
        add(session, arc, village, hh, "H07", "扶贫手册 (the page is not read again)")
        doc = session.scalars(select(Document)).one()
        doc.extra = {
            "facts": {"v": FACTS_VERSION, "type": "H07", "members": [[4, 1, "家庭人口4人"]]}
        }
    with arc.db.read() as session:
        report = run_audit(session, arc.scheme, load_settings(), rules=["MEMBERS_MISMATCH"])
    (found,) = report["findings"]
    assert "扶贫手册记4人" in found["message"]
    assert found["evidence"][1]["excerpt"] == "家庭人口4人"
