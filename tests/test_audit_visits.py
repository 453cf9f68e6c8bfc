"""VISIT_FREQUENCY: visits read from OCR'd work logs, counted per quarter the logs cover."""

from __future__ import annotations

import dataclasses
import datetime as dt

from dangan.archive.context import Archive
from dangan.archive.models import Page
from dangan.audit.run import run_audit
from dangan.audit.settings import AuditSettings, load_settings
from tests import factories
from tests.test_audit_rules import helper, household, id_number, pair
from tests.test_audit_three_way import add

JANUARY = """驻村工作队工作日志
行政村：白沙村    队长：汤明建    2018年1月
1月9日 星期二 晴
帮扶责任人王德兴入户走访1组贫困户王建国，了解家庭收入情况。
帮扶责任人李卫东入户走访2组贫困户李明，宣传扶贫政策。
1月2O日 星期六 阴
驻村工作队整理贫困户档案资料，更新分户脱贫台账。"""

# OCR split the entry over two lines and put spaces between characters; the day's
# heading is on the page before (a log's day runs on over a page break).
FEBRUARY = [
    """驻村工作队工作日志
行政村：白沙村    队长：汤明建    2018年2月
2月6日 星期二 多云
与白沙村两委成员研究本月扶贫工作，安排入户走访。""",
    """帮扶责任人王德兴入户走访1组贫困户王 建国，核实
家庭人口变化。""",
]

MARCH = """驻村工作队工作日志
行政村：白沙村    队长：汤明建    2018年3月
3月12日 星期一 晴
帮扶责任人王德兴为1组贫困户王建国落实产业扶持措施：发放种猪2头。
3月2l日 星期三 晴
帮扶责任人王德兴看望1组贫困户王建国，帮助解决生产困难。"""


def audit(arc: Archive, settings: AuditSettings | None = None) -> list[dict]:
    with arc.db.read() as session:
        report = run_audit(
            session, arc.scheme, settings or load_settings(), rules=["VISIT_FREQUENCY"]
        )
    return report["findings"]


def build(arc: Archive, months: tuple[str, ...] = ("1", "2", "3")) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        wang = household(session, village, "017", "王建国")
        li = household(session, village, "018", "李明")
        late = household(session, village, "019", "赵小红")
        pair(session, wang, helper(session, "王德兴"), dt.date(2016, 6, 15))
        liwd = helper(session, "李卫东", "430502197508122317")
        pair(session, li, liwd, dt.date(2017, 3, 1))
        pair(session, late, liwd, dt.date(2018, 2, 10))  # paired during the quarter
        for month in months:
            pages = {"1": [JANUARY], "2": FEBRUARY, "3": [MARCH]}[month]
            doc = factories.document(
                session, arc, village_row=village, household_row=None, doc_type="V03"
            )
            doc.status = "filed"
            for number, text in enumerate(pages, 1):
                session.add(Page(document=doc, page_no=number, text=text))


def test_a_quarter_with_too_few_visits_is_reported_with_the_visits_found(arc: Archive) -> None:
    build(arc)
    (found,) = audit(arc)
    assert found["household_no"] == "018" and found["severity"] == "error"
    assert "2018年第1季度入户走访 1 次" in found["message"]
    assert "不少于 3 次" in found["message"]
    excerpts = [e["excerpt"] for e in found["evidence"]]
    assert any("李明" in e and "走访" in e for e in excerpts)


def test_visits_on_a_continued_page_and_in_other_words_count(arc: Archive) -> None:
    build(arc)
    assert all(f["household_no"] != "017" for f in audit(arc))


def test_a_quarter_the_logs_do_not_cover_is_not_judged(arc: Archive) -> None:
    build(arc, months=("1", "3"))  # February's log is missing: no visit can be denied
    assert audit(arc) == []


def test_the_required_count_comes_from_the_settings(arc: Archive) -> None:
    build(arc)
    assert audit(arc, dataclasses.replace(load_settings(), visits_per_quarter=1)) == []
    assert audit(arc, dataclasses.replace(load_settings(), visits_per_quarter=0)) == []
    assert len(audit(arc, dataclasses.replace(load_settings(), visits_per_quarter=4))) == 2


def test_a_helper_who_is_a_household_does_not_hide_the_visit(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        wang = household(session, village, "017", "王建国")
        household(session, village, "020", "王德兴")  # the helper is registered too
        pair(session, wang, helper(session, "王德兴"), dt.date(2016, 6, 15))
        for text in (JANUARY, "\n".join(FEBRUARY), MARCH):
            add(session, arc, village, None, "V03", text)
    assert audit(arc) == []


def test_a_name_within_another_heads_name_counts_for_the_longer(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        wang = household(session, village, "017", "王建国")
        household(session, village, "021", "王建")  # named inside 王建国
        pair(session, wang, helper(session, "王德兴"), dt.date(2016, 6, 15))
        for text in (JANUARY, "\n".join(FEBRUARY), MARCH):
            add(session, arc, village, None, "V03", text)
    assert audit(arc) == []


def test_namesakes_in_one_village_are_a_warning_not_a_count_of_zero(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        wang = household(session, village, "017", "王建国")
        other = household(session, village, "030", "王建国", id_number=id_number("19700101"))
        pair(session, wang, helper(session, "王德兴"), dt.date(2016, 6, 15))
        pair(session, other, helper(session, "李卫东", "430502197508122317"), dt.date(2016, 6, 15))
        for text in (JANUARY, "\n".join(FEBRUARY), MARCH):
            add(session, arc, village, None, "V03", text)
    found = audit(arc)
    assert [(f["household_no"], f["severity"]) for f in found] == [
        ("017", "warning"),
        ("030", "warning"),
    ]
    assert "同名" in found[0]["message"]


def test_a_shortfall_that_visits_to_an_unread_name_would_make_up_is_a_warning(
    arc: Archive,
) -> None:
    misread = MARCH + "\n帮扶责任人李卫东入户走访2组贫困户李朋，了解就医情况。"  # 明 read as 朋
    with arc.db.write() as session:
        village = factories.village(session, arc)
        li = household(session, village, "018", "李明")
        pair(session, li, helper(session, "李卫东", "430502197508122317"), dt.date(2017, 3, 1))
        for text in (JANUARY, "\n".join(FEBRUARY), misread):
            add(session, arc, village, None, "V03", text)
    two = dataclasses.replace(load_settings(), visits_per_quarter=2)
    (found,) = audit(arc, two)
    # 李朋's and 王建国's visits (no such household here): four the log could not place;
    # February's "安排入户走访" is the village's work, no household's
    assert found["severity"] == "warning" and "4 条走访未能认出户主" in found["message"]
    seven = dataclasses.replace(load_settings(), visits_per_quarter=7)
    (found,) = audit(arc, seven)  # one read and four unplaced cannot make up seven
    assert found["severity"] == "error"
