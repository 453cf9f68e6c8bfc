"""三对照: the manual, the work log, the archive's forms and the roster compared on
realistic OCR text (spaces between characters, misread labels and digits, wrapped
lines), each rule with a case it must report and one it must not."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from dangan.archive import facts
from dangan.archive.context import Archive
from dangan.archive.models import Household, Page, Village
from dangan.audit.run import run_audit
from dangan.audit.settings import load_settings
from tests import factories
from tests.test_audit_rules import helper, household, pair

MANUAL = """贫困户扶贫手册
户主姓名：王建国
一、家庭基本情况
联系电话 13362048865 家庭人口 {members}人
三、帮扶责任人
姓名 工作单位 职务 联系电话 帮扶起始时间
{helper} 桑村镇中心小学 校长 15139368004 2016年6月15日
五、帮扶措施
时间 类别 帮扶措施内容 帮扶成效
2018年7月2日 就业扶持 推荐到镇工业园务工，月工资{wage}元 稳定务工收入
2018年8月8日 产业扶持 发放种猪1头 年增收约1800元
六、帮扶成效
年度 人均纯收入 是否脱贫 户主签字
2017年 2260元 否 王建国
2018年 {income}元 否 王建国
帮扶责任人{sign}：{helper}    户主签字：王建国"""

LOG = """驻村工作队工作日志
行政村：白沙村    队长：汤明建    2018年7月
7月2日 星期一 晴转多云
协助帮扶责任人王德兴为4组贫困户王建国落实就业扶持措施：推荐到镇工业园务工，月工
资{wage}元。
7月8日 星期日 阴
帮扶责任人王德兴入户走访1组贫困户王建国，查看产业发展情况。"""

SURVEY = """2018年贫困户年度收入调查表
行政村：白沙村    户主：王建国    家庭人口：{members}人
全年家庭纯收入：18360元    人均纯收入：{income}元"""


def build(
    arc: Archive,
    *,
    roster_members: int = 4,
    roster_income: float = 3060,
    roster_helper: str = "王德兴",
    manual: dict[str, str] | None = None,
    log_wage: str = "2200",
    survey_income: str = "3060",
    manual_text: str | None = None,
) -> None:
    values = {"members": "4", "helper": "王德兴", "wage": "2200", "income": "3060", "sign": "签字"}
    values.update(manual or {})
    with arc.db.write() as session:
        village = factories.village(session, arc)
        hh = household(
            session, village, "017", "王建国", members=roster_members, annual_income=roster_income
        )
        pair(session, hh, helper(session, roster_helper), dt.date(2016, 6, 15))
        add(session, arc, village, hh, "H07", manual_text or MANUAL.format(**values))
        add(session, arc, village, None, "V03", LOG.format(wage=log_wage))
        add(session, arc, village, hh, "H11", SURVEY.format(members=4, income=survey_income))


def add(
    session: Session, arc: Archive, village: Village, hh: Household | None, code: str, text: str
) -> None:
    doc = factories.document(session, arc, village_row=village, household_row=hh, doc_type=code)
    doc.status = "filed"
    doc.date = facts.document_date(text)  # as classification dates it: None when unreadable
    session.add(Page(document=doc, page_no=1, text=text))


def findings(arc: Archive, rule: str) -> list[dict]:
    with arc.db.read() as session:
        return run_audit(session, arc.scheme, load_settings(), rules=[rule])["findings"]


def test_everything_agreeing_despite_ocr_noise_reports_nothing(arc: Archive) -> None:
    noisy = MANUAL.format(
        members="4", helper="王德兴", wage="2200", income="3.060", sign="等字"
    ).replace("家庭人口", "家 庭 人 口")
    build(arc, manual_text=noisy)
    for rule in ("MEMBERS_MISMATCH", "INCOME_MISMATCH", "MEASURE_MISMATCH", "HELPER_MISMATCH"):
        assert findings(arc, rule) == [], rule
    assert findings(arc, "SOURCE_UNREADABLE") == []


def test_members_mismatch_names_each_source(arc: Archive) -> None:
    build(arc, roster_members=5)
    (found,) = findings(arc, "MEMBERS_MISMATCH")
    assert "花名册记5人" in found["message"] and "扶贫手册记4人" in found["message"]
    assert {e["document_id"] is None for e in found["evidence"]} == {True, False}


def test_income_mismatch_sides_by_side_and_ocr_slips_are_doubtful(arc: Archive) -> None:
    build(arc, manual={"income": "3570"})
    (found,) = findings(arc, "INCOME_MISMATCH")
    assert found["severity"] == "error" and "2018年" in found["message"]
    assert "扶贫手册记3570元" in found["message"] and "年度收入调查表记3060元" in found["message"]


def test_income_read_with_a_dropped_digit_is_a_warning(arc: Archive) -> None:
    build(arc, manual={"income": "306"})  # 3060 with its 0 lost
    (found,) = findings(arc, "INCOME_MISMATCH")
    assert found["severity"] == "warning" and "识别误差" in found["message"]


def test_measure_mismatch_between_manual_and_wrapped_log_entry(arc: Archive) -> None:
    build(arc, log_wage="4400")
    (found,) = findings(arc, "MEASURE_MISMATCH")
    assert found["severity"] == "error" and "2018-07-02" in found["message"]
    assert "4400" in found["message"] and "2200" in found["message"]
    sources = {e["excerpt"][:2] for e in found["evidence"]}
    assert len(found["evidence"]) == 2 and sources


def test_measure_with_a_dropped_digit_is_a_warning(arc: Archive) -> None:
    build(arc, manual={"wage": "200"})
    (found,) = findings(arc, "MEASURE_MISMATCH")
    assert found["severity"] == "warning"


def test_helper_mismatch_and_a_one_character_slip(arc: Archive) -> None:
    build(arc, manual={"helper": "李明"})
    (found,) = findings(arc, "HELPER_MISMATCH")
    assert found["severity"] == "error" and "花名册记王德兴" in found["message"]


def test_helper_read_one_character_off_is_a_warning(arc: Archive) -> None:
    build(arc, manual={"helper": "王德米"})
    (found,) = findings(arc, "HELPER_MISMATCH")
    assert found["severity"] == "warning"


def test_a_manual_that_cannot_be_read_is_reported_not_agreed(arc: Archive) -> None:
    build(arc, manual_text="贫 困 户 扶 贫 手 册\n▒▒▒ 模 糊 不 清 ▒▒▒")
    unreadable = {f["message"] for f in findings(arc, "SOURCE_UNREADABLE")}
    assert any("扶贫手册中未能读出家庭人口" in m for m in unreadable)
    assert any("扶贫手册中未能读出人均纯收入" in m for m in unreadable)
    assert findings(arc, "MEMBERS_MISMATCH") == []


MINUTES = "{village}扶贫工作会议记录\n时间：{date}上午9时\n地点：村委会议室\n主持人：毛志军    记录人：杨敏菊"
NOTICE = "桑村镇白沙村拟脱贫户公示\n现将拟脱贫户名单予以公示：\n公示时间：{start}至{end}。\n桑村镇人民政府"


def village_papers(arc: Archive, minutes: list[str], notices: list[tuple[str, str]]) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        for day in minutes:
            add(session, arc, village, None, "V02", MINUTES.format(village="白沙村", date=day))
        for start, end in notices:
            add(session, arc, village, None, "V05", NOTICE.format(start=start, end=end))


def test_meeting_gap_finds_the_month_without_minutes(arc: Archive) -> None:
    days = [f"2018年{m}月1{m % 9}日" for m in (1, 2, 3, 5, 6)]  # no April
    village_papers(arc, days, [])
    (gap,) = findings(arc, "MEETING_GAP")
    assert gap["severity"] == "error" and "2018年4月" in gap["message"]
    assert gap["household_no"] is None and len(gap["evidence"]) == 2


def test_meeting_gap_is_doubtful_when_some_minutes_have_no_readable_date(arc: Archive) -> None:
    days = ["2018年1月10日", "2018年?月23日", "2018年3月12日"]  # OCR lost February's month
    village_papers(arc, days, [])
    (gap,) = findings(arc, "MEETING_GAP")
    assert gap["severity"] == "warning" and "2018年2月" in gap["message"]
    assert any("会议日期" in f["message"] for f in findings(arc, "SOURCE_UNREADABLE"))


def test_no_gap_when_every_month_has_minutes(arc: Archive) -> None:
    village_papers(arc, [f"二〇一八年{m}月五日" for m in "一二三四"], [])
    assert findings(arc, "MEETING_GAP") == []


def test_notice_too_short_counts_first_and_last_day(arc: Archive) -> None:
    village_papers(
        arc,
        [],
        [("2018年10月22日", "2018年10月26日"), ("2015年09月25日", "2015年10月01日")],
    )
    (short,) = findings(arc, "NOTICE_TOO_SHORT")
    assert "仅 5 天" in short["message"] and "2018-10-22" in short["message"]


def test_a_notice_whose_period_cannot_be_read_is_reported(arc: Archive) -> None:
    village_papers(arc, [], [("2018年10月22日", "2018年1O月")])
    assert findings(arc, "NOTICE_TOO_SHORT") == []
    assert any("公示期" in f["message"] for f in findings(arc, "SOURCE_UNREADABLE"))


ROUND = {
    "公示1": "白沙村建档立卡贫困户评议结果公示\n现将拟纳入名单予以公示（第一次公示）：\n公示时间：2016年3月1日至2016年3月7日。",
    "公示2": "桑村镇白沙村建档立卡贫困户审核结果公示\n（第二次公示）\n公 示 时 间 ：2016年4月1日至2016年4月7日。",
    "公告": "山亭区建档立卡贫困户公告\n经县人民政府审批，现将白沙村建档立卡贫困户名单予以公告：\n公告时间：2016年5月1日至2016年5月10日。",
    "脱贫公示": "白沙村拟脱贫户公示\n现将拟脱贫户名单予以公示：\n公示时间：2018年10月22日至2018年10月28日。",
}


def test_each_round_needs_two_notices_and_an_announcement(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        household(session, village, "001", "王建国", identification_year=2016, exit_year=2018)
        for text in ROUND.values():
            add(session, arc, village, None, "V05", text)
    rounds = [f for f in findings(arc, "MISSING_ITEM") if f["household_no"] is None]
    # 2016's identification is complete; the 2018 exit has one 公示 and no 公告
    (exit_round,) = rounds
    assert "2018年脱贫退出" in exit_round["message"]
    assert "公示 1 份、公告 0 份" in exit_round["message"]
    assert len(exit_round["evidence"]) == 1


APPLICATION = "贫困户申请书\n白沙村党支部、村民委员会：\n我叫王建国，家住白沙村4组。特申请纳入建档立卡贫困户。\n申请人：王建国\n{date}"
REVIEW = "{year}年度贫困户民主评议表\n户主姓名 王建国 家庭人口 4人\n评议时间 {date} 评议地点 村委会议室\n白沙村民主评议小组（盖章）"


def identification_papers(arc: Archive, applied: str, reviewed: str, year: str = "2016") -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        hh = household(session, village, "017", "王建国")
        add(session, arc, village, hh, "H01", APPLICATION.format(date=applied))
        add(session, arc, village, hh, "H03", REVIEW.format(year=year, date=reviewed))


def test_date_order_finds_an_application_written_after_the_review(arc: Archive) -> None:
    identification_papers(arc, "二〇一六年五月二十日", "2016年5月12日")
    (found,) = findings(arc, "DATE_ORDER")
    assert "申请表日期 2016-05-20 晚于评议表日期 2016-05-12" in found["message"]
    assert len(found["evidence"]) == 2 and all(e["document_id"] for e in found["evidence"])


def test_date_order_makes_no_claim_on_a_day_ocr_misread(arc: Archive) -> None:
    identification_papers(arc, "二〇一六年五月二十日", "2016年5月1O日 上午")  # 1O: not 1
    assert findings(arc, "DATE_ORDER") == []


def test_date_order_quiet_for_papers_in_order(arc: Archive) -> None:
    identification_papers(arc, "2016.5.3", "2016年5月12日")
    assert findings(arc, "DATE_ORDER") == []


def test_date_order_quiet_for_an_application_of_a_later_round(arc: Archive) -> None:
    identification_papers(arc, "二〇一九年三月二日", "2016年5月12日")
    assert findings(arc, "DATE_ORDER") == []


CARD = """身份证复印件
姓名 {name}
性别 男 民族 汉
出生 {born}
住址 桑村镇白沙村4组
公民身份号码 {number}
中华人民共和国
居民身份证"""


def head_with_card(arc: Archive, roster_birth: str, **card: str) -> None:
    from tests.test_audit_rules import id_number

    with arc.db.write() as session:
        village = factories.village(session, arc)
        hh = household(session, village, "017", "王建国", id_number=id_number(roster_birth, "017"))
        values = {"name": "王建国", "born": "1962年3月5日", "number": ""} | card
        add(session, arc, village, hh, "H15", CARD.format(**values))


def test_id_birth_conflict_between_the_roster_and_the_card(arc: Archive) -> None:
    from tests.test_audit_rules import id_number

    spaced = " ".join(id_number("19620305", "017")[i : i + 4] for i in range(0, 18, 4))
    head_with_card(arc, "19630305", number=spaced.replace("0", "O", 1))  # OCR: O for 0
    (found,) = findings(arc, "ID_BIRTH_CONFLICT")
    assert found["severity"] == "error"
    assert "出生日期 1962-03-05, 花名册身份证号出生日期 1963-03-05" in found["message"]


def test_id_birth_agreeing_or_a_misread_printed_date_is_no_error(arc: Archive) -> None:
    head_with_card(arc, "19620305", born="1962年3月5日", name="王建囯")  # name one off
    assert findings(arc, "ID_BIRTH_CONFLICT") == []


def test_id_birth_one_digit_off_without_a_number_is_a_warning(arc: Archive) -> None:
    head_with_card(arc, "19620305", born="1962年8月5日")  # 3 read as 8, number unread
    (found,) = findings(arc, "ID_BIRTH_CONFLICT")
    assert found["severity"] == "warning" and "疑为识读误差" in found["message"]


def test_a_members_card_is_not_the_heads(arc: Archive) -> None:
    head_with_card(arc, "19620305", born="1990年1月1日", name="王小明")
    assert findings(arc, "ID_BIRTH_CONFLICT") == []


def test_date_order_is_doubtful_when_one_misread_digit_of_an_ocr_date_would_explain_it(
    arc: Archive,
) -> None:
    identification_papers(arc, "二〇一六年六月二十日", "2016年5月12日")  # 6 read for 5?
    (found,) = findings(arc, "DATE_ORDER")
    assert found["severity"] == "warning" and "疑为识读误差" in found["message"]


def test_date_order_from_typed_text_is_an_error(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        hh = household(session, village, "017", "王建国")
        for code, text in (
            ("H01", APPLICATION.format(date="二〇一六年六月二十日")),
            ("H03", REVIEW.format(year="2016", date="2016年5月12日")),
        ):
            doc = factories.document(
                session, arc, village_row=village, household_row=hh, doc_type=code
            )
            doc.status = "filed"
            session.add(Page(document=doc, page_no=1, text=text, engine="docx"))
    (found,) = findings(arc, "DATE_ORDER")
    assert found["severity"] == "error"
