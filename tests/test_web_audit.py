"""档案检查 over the web: GET /api/audit (`dangan audit --json` for the caller) and the
/audit page, limited to the caller's villages, ID numbers masked, every run journaled."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.archive import users
from dangan.archive.models import Helper, Household, JournalEvent, Village
from dangan.web.api_audit import WITHHELD
from dangan.web.app import create_app
from tests import factories
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)
from tests.test_audit_rules import household, id_number, pair

SLIP = w.ID_WANG[:17] + "3"  # 王建国's number with a wrong check digit
SHORT = w.ID_WANG[:17]  # a digit lost
ZHAO = id_number("19620305", "021")
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def world(arc):
    """The web tests' world (villages 003 and 004, an account per role), with faults:
    李桂芳 (003/018) has a mistyped ID number and a helper who is 赵小红 of 004/021;
    003/019's head has a script for a name and a number a digit short; 王建国's 入户调查表
    (003/017) waits in review. 004 has a household 017 too; "two" inspects both."""
    world = w.build(arc)
    with arc.db.write() as session:
        v3, v4 = (
            session.scalar(select(Village).where(Village.code == code)) for code in ("003", "004")
        )
        rows = {h.household_no: h for h in session.scalars(select(Household))}
        rows["018"].id_number = SLIP
        rows["021"].id_number = ZHAO
        household(session, v3, "019", EVIL, id_number=SHORT)
        pair(session, rows["018"], _helper(session, "赵小红", ZHAO))
        waiting = factories.document(
            session, arc, village_row=v3, household_row=rows["017"], doc_type="H02"
        )
        waiting.status = "needs_review"
        world.waiting_id = waiting.id
        household(session, v4, "017", "孙志强")
        users.create_user(
            session,
            "two",
            role="inspector",
            password=w.PASSWORD,
            actor="t",
            villages=["003", "004"],
        )
        world.tokens["two"] = users.issue_token(session, "two", actor="t")
    return world


def _helper(session, name: str, number: str) -> Helper:  # type: ignore[no-untyped-def]
    row = Helper(name=name, id_number=number)
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def app(arc, world):
    return create_app(arc)


def api(app, world, role: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {world.tokens[role]}"})


def page(app, role: str) -> TestClient:
    client = TestClient(app)
    w.login(client, role)
    return client


def test_an_inspector_sees_only_its_villages_and_an_admin_sees_all(app, world):
    mine = api(app, world, "inspector").get("/api/audit")
    assert mine.status_code == 200, mine.text
    report = mine.json()
    assert {f["village_code"] for f in report["findings"]} == {"003"}
    assert [s["village_code"] for s in report["scores"]] == ["003"]
    assert report["villages"] == [{"code": "003", "name": "白沙村"}]
    assert report["scope"]["village"] == "白沙村"  # an account of one village audits it
    assert sum(report["summary"].values()) == len(report["findings"])
    assert sum(r["findings"] for r in report["rules"]) == len(report["findings"])
    assert {"generated_at", "scope", "journal_head"} <= set(report)

    everything = api(app, world, "admin").get("/api/audit").json()
    assert {f["village_code"] for f in everything["findings"]} == {"003", "004"}
    assert [s["village_code"] for s in everything["scores"]] == ["003", "004"]
    assert len(everything["findings"]) > len(report["findings"])


@pytest.mark.parametrize("query", ["village=004", "village=青山村", "village=004&household=021"])
def test_another_village_is_refused(app, world, query):
    response = api(app, world, "inspector").get(f"/api/audit?{query}")
    assert response.status_code == 403
    assert response.json()["detail"] == "行政村 青山村 不在您负责的村范围内"


def test_a_household_alone_is_looked_for_in_the_callers_villages(app, world):
    one = api(app, world, "inspector")  # 003 only
    assert one.get("/api/audit?household=017").json()["scope"]["village_code"] == "003"
    other = one.get("/api/audit?household=021")
    assert other.status_code == 404 and "021" in other.json()["detail"]
    two = api(app, world, "two")  # 003 and 004
    found = two.get("/api/audit?household=021").json()
    assert found["scope"]["village_code"] == "004"
    assert {(f["village_code"], f["household_no"]) for f in found["findings"]} == {("004", "021")}
    both = two.get("/api/audit?household=017")
    assert both.status_code == 400 and "请同时选择行政村" in both.json()["detail"]
    assert two.get("/api/audit?household=999").status_code == 404


def test_id_numbers_are_masked_for_roles_that_may_not_see_them(app, world):
    for role in ("inspector", "auditor"):
        body = api(app, world, role).get("/api/audit?rule=ID_INVALID").text
        assert SLIP not in body and SHORT not in body and "110***********0023" in body, role
    body = api(app, world, "admin").get("/api/audit?rule=ID_INVALID").text
    assert SLIP in body and SHORT in body


def test_mobile_numbers_quoted_as_evidence_are_masked_too(app, world, arc):
    from dangan.archive.models import Page

    with arc.db.write() as session:
        v3 = session.scalar(select(Village).where(Village.code == "003"))
        wang = session.scalar(select(Household).where(Household.household_no == "017"))
        pair(session, wang, _helper(session, "王德兴", id_number("19750812", "231", "430502")))
        manual = factories.document(
            session, arc, village_row=v3, household_row=wang, doc_type="H07"
        )
        manual.status = "filed"
        session.add(
            Page(document=manual, page_no=1, text="扶贫手册\n帮扶责任人\n张立新 镇政府 15139368004")
        )
    for role in ("inspector", "auditor"):
        body = api(app, world, role).get("/api/audit?rule=HELPER_MISMATCH").text
        assert "151****8004" in body and "15139368004" not in body, role
    assert "15139368004" in api(app, world, "admin").get("/api/audit?rule=HELPER_MISMATCH").text


def test_another_villages_household_is_neither_named_nor_quoted(app, world):
    def finding(role: str) -> dict:
        report = api(app, world, role).get("/api/audit?rule=HELPER_IS_HOUSEHOLD").json()
        [found] = report["findings"]
        assert found["household_no"] == "018"
        return found

    scoped = finding("inspector")
    assert scoped["message"].endswith("本人是建档立卡户(其他村的一户)")
    assert scoped["evidence"][1]["excerpt"] == WITHHELD
    assert "李桂芳" in scoped["evidence"][0]["excerpt"]
    everything = finding("admin")
    assert "(青山村 021 号户 赵小红)" in everything["message"]
    assert "青山村 021 号户 赵小红" in everything["evidence"][1]["excerpt"]


def test_rules_are_chosen_by_code_and_an_unknown_one_is_named(app, world):
    inspector = api(app, world, "inspector")
    only = inspector.get("/api/audit?rule=id_invalid").json()
    assert {f["rule"] for f in only["findings"]} == {"ID_INVALID"}
    assert [r["code"] for r in only["rules"]] == ["ID_INVALID"]
    bad = inspector.get("/api/audit?rule=NOPE")
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("没有检查规则 NOPE")
    missing = inspector.get("/api/audit?village=不存在村")
    assert missing.status_code == 404 and missing.json()["detail"] == "没有行政村 不存在村"


def test_every_run_is_journaled_as_a_read(arc, app, world):
    api(app, world, "inspector").get("/api/audit?village=003&rule=ID_INVALID")
    client = page(app, "admin")
    client.get("/audit")
    client.get("/audit")  # the same page again soon after: one event
    with arc.db.read() as session:
        events = list(
            session.scalars(select(JournalEvent).where(JournalEvent.action == "audit.read"))
        )
    assert [(e.actor, e.entity_id, e.after["via"]) for e in events] == [
        ("inspector", "003", "api"),
        ("admin", "全部", "page"),
    ]
    assert events[0].after["rules"] == ["ID_INVALID"] and events[0].after["villages"] == ["003"]
    assert events[0].after["full_id"] is False
    assert events[1].after["villages"] == ["003", "004"] and events[1].after["rules"] == "全部"
    assert events[1].after["full_id"] is True


def test_the_page_shows_scores_findings_and_evidence_escaped(app, world):
    client = page(app, "inspector")
    assert ">档案检查</a>" in client.get("/").text
    response = client.get("/audit")
    assert response.status_code == 200
    html = response.text
    assert re.search(r"得分 \d+ / 满分 100", html)
    assert "白沙村 018 号户 李桂芳 的身份证号 110***********0023 有误" in html
    assert f'href="/docs/{world.waiting_id}"' in html  # the item waiting in review
    assert "户主身份证号有效" in html and "ID_INVALID" in html  # rule title and code
    assert "问题" in html and "日志头" in html
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'value="004"' not in html and "青山村" not in html  # the dropdown too


def test_the_page_refuses_another_village_with_the_form_still_there(app, world):
    client = page(app, "inspector")
    response = client.get("/audit?village=004")
    assert response.status_code == 403
    assert "行政村 青山村 不在您负责的村范围内" in response.text
    assert 'id="a-village"' in response.text and "得分" not in response.text
    bad = client.get("/audit?rule=NOPE")
    assert bad.status_code == 400 and "没有检查规则 NOPE" in bad.text


def test_the_page_filters_by_rule_and_household(app, world):
    html = page(app, "admin").get("/audit?village=003&household=018&rule=ID_INVALID").text
    assert re.findall(r'data-rule="([A-Z_]+)"', html) == ["ID_INVALID"]
    assert 'value="ID_INVALID" checked' in html and SLIP in html
    assert '<option value="003" selected>' in html


def test_the_report_downloads_are_the_same_scoped_audit(arc, app, world):
    pytest.importorskip("dangan.audit.reports")
    from openpyxl import load_workbook

    client = page(app, "inspector")
    html = client.get("/audit?rule=ID_INVALID").text
    assert 'href="/audit/report.xlsx?rule=ID_INVALID"' in html
    response = client.get("/audit/report.xlsx?rule=ID_INVALID")
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="audit-report.xlsx"; ')
    assert "filename*=UTF-8''" + quote("档案检查报告_白沙村_") in disposition
    book = load_workbook(io.BytesIO(response.content))
    cells = " ".join(
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert "110***********0023" in cells and SLIP not in cells and "青山村" not in cells
    for suffix, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        got = client.get(f"/audit/report.{suffix}?village=003")
        assert got.status_code == 200 and got.content.startswith(magic), suffix
    assert client.get("/audit/report.xlsx?village=004").status_code == 403
    assert client.get("/audit/report.exe").status_code == 404
    with arc.db.read() as session:
        vias = list(
            session.scalars(select(JournalEvent.after).where(JournalEvent.action == "audit.read"))
        )
    assert [v["via"] for v in vias] == ["page", "xlsx", "docx", "pdf"]
