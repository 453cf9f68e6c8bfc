"""Each audit rule finds what it is for and stays quiet where nothing is wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.archive.idnumber import check_digit
from dangan.archive.models import Helper, Household, Pairing, Village
from dangan.audit.run import Scope, resolve_scope, run_audit
from dangan.audit.settings import AuditSettings, load_settings
from tests import factories

TODAY = dt.date(2021, 6, 1)


def id_number(birth: str, seq: str = "123", region: str = "430521") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + check_digit(first17)


@pytest.fixture
def world(arc: Archive) -> Callable[..., Any]:
    """Builds households and helpers, then audits them: `world(build, rules)`."""

    def run(build: Callable[[Session, Village], None], *rules: str, **scope: str) -> list[dict]:
        with arc.db.write() as session:
            village = factories.village(session, arc)
            build(session, village)
        with arc.db.read() as session:
            report = run_audit(
                session,
                arc.scheme,
                load_settings(),
                resolve_scope(session, scope.get("village"), scope.get("household"))
                if scope
                else Scope(),
                list(rules),
                today=TODAY,
            )
        return report["findings"]

    return run


def household(session: Session, village: Village, no: str, head: str, **values: Any) -> Household:
    row = Household(
        village=village,
        household_no=no,
        head_name=head,
        id_number=values.pop("id_number", id_number("19620305", no)),
        identification_year=values.pop("identification_year", 2016),
        **values,
    )
    session.add(row)
    session.flush()
    return row


def pair(
    session: Session,
    household_row: Household,
    helper: Helper,
    start: dt.date | None = dt.date(2016, 5, 1),
    end: dt.date | None = None,
) -> None:
    session.add(Pairing(household=household_row, helper=helper, start_date=start, end_date=end))
    session.flush()


def helper(session: Session, name: str = "李卫东", number: str | None = None) -> Helper:
    row = Helper(name=name, id_number=number or id_number("19750812", "231", "430502"))
    session.add(row)
    session.flush()
    return row


def test_id_invalid_reports_a_check_digit_slip_and_not_a_good_number(world) -> None:
    good = id_number("19620305", "017")
    slip = good[:17] + ("0" if good[17] != "0" else "1")

    def build(session: Session, village: Village) -> None:
        household(session, village, "001", "王建国", id_number=slip)
        household(session, village, "002", "李秀英", id_number=good)

    found = world(build, "ID_INVALID")
    assert [(f["household_no"], f["rule"]) for f in found] == [("001", "ID_INVALID")]
    assert "校验位" in found[0]["message"] and slip in found[0]["evidence"][0]["excerpt"]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (id_number("19620231", "017"), "出生日期"),  # 31 February
        (id_number("20350101", "017"), "出生日期"),  # born after today
        (id_number("19620305", "017", "990521"), "地区码"),  # no province 99
        ("43052119620305017", "18位"),  # a digit lost
    ],
)
def test_id_invalid_names_each_reason(world, number: str, reason: str) -> None:
    found = world(lambda s, v: household(s, v, "001", "王建国", id_number=number), "ID_INVALID")
    assert len(found) == 1 and reason in found[0]["message"]


def test_missing_item_and_items_waiting_in_review(world, arc: Archive) -> None:
    def build(session: Session, village: Village) -> None:
        complete = household(session, village, "001", "王建国")
        partial = household(session, village, "002", "李秀英", exit_year=2019)
        for code in arc.scheme.required_household:
            factories.document(
                session, arc, village_row=village, household_row=complete, doc_type=code
            ).status = "filed"
        for code in ("H01", "H02", "H03", "H04", "H05", "H07"):
            factories.document(
                session, arc, village_row=village, household_row=partial, doc_type=code
            ).status = "filed"
        # H08 received but waiting for a person; H09 and the exit paper H13 never came
        factories.document(
            session, arc, village_row=village, household_row=partial, doc_type="H08"
        ).status = "needs_review"

    # the household's own items (its village's notices are test_audit_three_way's)
    missing = [f for f in world(build, "MISSING_ITEM", "ITEM_NOT_FILED") if f["household_no"]]
    assert {(f["household_no"], f["rule"], f["message"][-10:]) for f in missing} == {
        ("002", "ITEM_NOT_FILED", "(H08)已收到, 待人工确认后归档"[-10:]),
        ("002", "MISSING_ITEM", "脱贫计划落实情况表(H09)"[-10:]),
        ("002", "MISSING_ITEM", "(H13)(脱贫年度 2019)"[-10:]),
    }
    waiting = next(f for f in missing if f["rule"] == "ITEM_NOT_FILED")
    assert waiting["severity"] == "info" and waiting["evidence"][0]["document_id"]


def test_a_missing_item_that_may_be_waiting_in_review_is_a_warning(world, arc: Archive) -> None:
    def build(session: Session, village: Village) -> None:
        for no, name in (("001", "王建国"), ("002", "李秀英"), ("003", "赵四")):
            hh = household(session, village, no, name)
            for code in arc.scheme.required_household:
                if (no, code) not in (("001", "H09"), ("002", "H05"), ("003", "H02")):
                    factories.document(
                        session, arc, village_row=village, household_row=hh, doc_type=code
                    ).status = "filed"
            if no == "001":  # the household's own item, its type not told
                untyped = factories.document(
                    session, arc, village_row=village, household_row=hh, doc_type="H01"
                )
                untyped.doc_type, untyped.status = None, "needs_review"
        # an H05 of the village whose household was not told; nothing could be 003's H02
        factories.document(
            session, arc, village_row=village, household_row=None, doc_type="H05"
        ).status = "needs_review"

    found = {f["household_no"]: f for f in world(build, "MISSING_ITEM") if f["household_no"]}
    assert {no: f["severity"] for no, f in found.items()} == {
        "001": "warning",
        "002": "warning",
        "003": "error",
    }
    assert "待审核的文件中有 1 份可能是它" in found["002"]["message"]
    assert [e["document_id"] is not None for e in found["001"]["evidence"]] == [False, True]


def test_no_helper_when_the_roster_pairs_none(world) -> None:
    def build(session: Session, village: Village) -> None:
        cadre = helper(session)
        household(session, village, "001", "王建国")  # never paired
        ended = household(session, village, "002", "李秀英")  # paired until the campaign ended
        pair(session, ended, cadre, end=dt.date(2020, 12, 31))
        running = household(session, village, "003", "赵四")
        pair(session, running, cadre)

    found = world(build, "NO_HELPER")
    assert [f["household_no"] for f in found] == ["001"]
    assert found[0]["evidence"][0]["document_id"] is None  # read from the roster


def test_helper_is_household_by_id_number_not_by_name(world) -> None:
    def build(session: Session, village: Village) -> None:
        head = household(session, village, "001", "王建国")
        paired = household(session, village, "002", "李秀英")
        pair(session, paired, helper(session, "王建国", head.id_number))
        namesake = household(session, village, "003", "张三")
        pair(session, namesake, helper(session, "王建国"))  # same name, another person

    found = world(build, "HELPER_IS_HOUSEHOLD")
    assert [f["household_no"] for f in found] == ["002"]
    assert "001 号户" in found[0]["message"] and len(found[0]["evidence"]) == 2


def test_helper_overload_counts_households_at_once(world) -> None:
    def build(session: Session, village: Village) -> None:
        busy, serial = (
            helper(session, "李卫东"),
            helper(session, "周敏", id_number("19800101", "555", "430502")),
        )
        for i in range(4):  # four at once
            pair(session, household(session, village, f"00{i + 1}", f"户{i}"), busy)
        for i in range(4):  # four one after another: never more than one at a time
            start = dt.date(2016 + i, 1, 1)
            pair(
                session,
                household(session, village, f"01{i}", f"户甲{i}"),
                serial,
                start,
                dt.date(2016 + i, 12, 31),
            )

    found = world(build, "HELPER_OVERLOAD")
    assert len(found) == 1
    assert found[0]["household_no"] is None and "李卫东" in found[0]["message"]
    assert len(found[0]["evidence"]) == 4


def test_helper_overload_limit_comes_from_settings(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        busy = helper(session)
        for i in range(4):
            pair(session, household(session, village, f"00{i + 1}", f"户{i}"), busy)
    with arc.db.read() as session:
        report = run_audit(
            session, arc.scheme, AuditSettings(helper_max_households=4), rules=["HELPER_OVERLOAD"]
        )
    assert report["findings"] == []


def test_pairing_before_identification(world) -> None:
    def build(session: Session, village: Village) -> None:
        cadre = helper(session)
        early = household(session, village, "001", "王建国", identification_year=2016)
        pair(session, early, cadre, dt.date(2015, 9, 1))
        same_year = household(session, village, "002", "李秀英", identification_year=2016)
        pair(session, same_year, cadre, dt.date(2016, 1, 10))

    found = world(build, "PAIRING_BEFORE_IDENTIFICATION")
    assert [f["household_no"] for f in found] == ["001"]
    assert "2015-09-01" in found[0]["message"]


def test_large_household_and_exit_below_the_line(world) -> None:
    def build(session: Session, village: Village) -> None:
        household(session, village, "001", "王建国", members=7)
        household(session, village, "002", "李秀英", members=6)
        household(session, village, "003", "张三", exit_year=2018, annual_income=3400)
        household(session, village, "004", "赵四", exit_year=2018, annual_income=3600)
        household(session, village, "005", "钱五", annual_income=1200)  # not exited

    found = world(build, "HOUSEHOLD_LARGE", "EXIT_BELOW_LINE")
    assert [(f["household_no"], f["rule"]) for f in found] == [
        ("001", "HOUSEHOLD_LARGE"),
        ("003", "EXIT_BELOW_LINE"),
    ]
    assert "3535" in found[1]["message"]


def test_scope_limits_findings_to_a_village_or_household(arc: Archive) -> None:
    with arc.db.write() as session:
        white = factories.village(session, arc, "003", "白沙村")
        peach = factories.village(session, arc, "004", "桃园村")
        household(session, white, "001", "王建国", members=8)
        household(session, white, "002", "李秀英", members=9)
        household(session, peach, "001", "张三", members=8)
    with arc.db.read() as session:
        audit = lambda **s: run_audit(  # noqa: E731
            session,
            arc.scheme,
            load_settings(),
            resolve_scope(session, s.get("village"), s.get("household")),
            ["HOUSEHOLD_LARGE"],
        )["findings"]
        assert len(audit()) == 3
        assert {f["village_code"] for f in audit(village="桃园村")} == {"004"}
        assert [f["household_no"] for f in audit(village="003", household="002")] == ["002"]


def test_scores_deduct_per_finding_until_the_section_is_used_up(arc: Archive) -> None:
    from dangan.audit.scores import Section

    rubric = (
        Section("信息系统", 10, 2, ("ID_INVALID",)),
        Section("帮扶", 20, 2, ("NO_HELPER",)),
    )
    with arc.db.write() as session:
        white = factories.village(session, arc, "003", "白沙村")
        factories.village(session, arc, "004", "桃园村")
        for i in range(6):  # six bad ID numbers: 5 deduct 2, the sixth finds the section used up
            household(session, white, f"00{i}", f"户{i}", id_number="430521196203050179"[:17] + "0")
    with arc.db.read() as session:
        report = run_audit(
            session,
            arc.scheme,
            load_settings(),
            rules=["ID_INVALID", "NO_HELPER", "HOUSEHOLD_LARGE"],
            rubric=rubric,
        )
    white_score, peach_score = report["scores"]
    assert (white_score["village_code"], peach_score["village_code"]) == ("003", "004")
    assert white_score["max"] == 30 and peach_score["score"] == 30
    id_points = [d["points"] for d in white_score["deductions"] if d["rule"] == "ID_INVALID"]
    assert id_points == [2, 2, 2, 2, 2, 0]
    no_helper = [d["points"] for d in white_score["deductions"] if d["rule"] == "NO_HELPER"]
    assert no_helper == [2] * 6
    assert white_score["score"] == 30 - 10 - 12


def test_helper_overload_across_villages_is_reported_in_each(arc: Archive) -> None:
    with arc.db.write() as session:
        white = factories.village(session, arc, "003", "白沙村")
        peach = factories.village(session, arc, "004", "桃园村")
        busy = helper(session)
        for i, village in enumerate((white, white, white, peach)):
            pair(session, household(session, village, f"00{i + 1}", f"户{i}"), busy)
    with arc.db.read() as session:
        found = run_audit(session, arc.scheme, load_settings(), rules=["HELPER_OVERLOAD"])[
            "findings"
        ]
    assert [f["village_code"] for f in found] == ["003", "004"]
    assert all("桃园村 004 号户 户3" in f["message"] for f in found)


def test_date_order_in_the_roster(world) -> None:
    def build(session: Session, village: Village) -> None:
        household(session, village, "001", "王建国", identification_year=2016, exit_year=2015)
        late = household(session, village, "002", "李明", identification_year=2016, exit_year=2018)
        pair(session, late, helper(session), dt.date(2016, 6, 1), dt.date(2016, 3, 1))
        fine = household(session, village, "003", "赵红", identification_year=2016, exit_year=2016)
        pair(
            session,
            fine,
            helper(session, "张三", id_number("19800101", "555")),
            dt.date(2016, 6, 1),
        )

    found = world(build, "DATE_ORDER")
    assert [f["household_no"] for f in found] == ["001", "002"]
    assert "脱贫年度 2015 早于识别年度 2016" in found[0]["message"]
    assert "帮扶结束日期 2016-03-01 早于开始日期 2016-06-01" in found[1]["message"]


def test_id_birth_conflict_for_a_head_under_sixteen(world) -> None:
    def build(session: Session, village: Village) -> None:
        household(session, village, "001", "王小明", id_number=id_number("20050301"))
        household(session, village, "002", "王建国", id_number=id_number("19620305"))

    (found,) = world(build, "ID_BIRTH_CONFLICT")
    assert found["household_no"] == "001" and "未满 16 周岁" in found["message"]
