"""Attribution from what a page says, on OCR text with the slips tesseract makes: heads
named in titles, 户编号 joined with the village code, villages of minutes that never
name their village, and documents from above known by their 文号 (issue #16)."""

from __future__ import annotations

import pytest

from dangan.archive.idnumber import check_digit
from dangan.archive.models import Document, Helper, Household, Pairing, StoredFile, Village
from dangan.ingest.classify import THRESHOLD, decide


def _id(first17: str) -> str:
    return first17 + check_digit(first17)


@pytest.fixture
def roster(arc):
    with arc.db.write() as session:
        township = arc.township(session)
        baisha = Village(township=township, code="001", name="白沙村")
        liushu = Village(township=township, code="002", name="柳树村")
        wang = Household(
            village=baisha,
            household_no="001",
            head_name="王建国",
            id_number=_id("41108119620315001"),
        )
        li = Household(
            village=liushu,
            household_no="002",
            head_name="李秀英",
            id_number=_id("41108119650202004"),
        )
        session.add_all(
            [
                wang,
                li,
                Household(
                    village=baisha,
                    household_no="002",
                    head_name="张小明",
                    id_number=_id("41108119580720002"),
                ),
                Household(
                    village=liushu,
                    household_no="001",
                    head_name="张小明",
                    id_number=_id("41108119600101005"),
                ),
                Household(
                    village=liushu,
                    household_no="017",
                    head_name="刘桂兰",
                    id_number=_id("41108119700505006"),
                ),
                Pairing(household=wang, helper=Helper(name="赵德福")),
                Pairing(household=li, helper=Helper(name="孙海涛")),
            ]
        )
        # minutes of 柳树村 filed earlier name its cadres by role
        stored = StoredFile(sha256="a" * 64, size=1, original_name="会议记录.pdf")
        session.add(
            Document(
                file=stored,
                status="filed",
                doc_type="V02",
                village=liushu,
                extra={"people": ["周志强", "吴桂芬"]},
            )
        )
    return arc


def _decide(arc, text, **hints):
    with arc.db.read() as session:
        d = decide(
            session, arc.scheme, text, kind="pdf", metadata={}, hints=hints, model=None, name=""
        )
        return d


def _place(d) -> tuple[str | None, str | None]:
    return (
        d.village.code if d.village else None,
        d.household.household_no if d.household else None,
    )


def _sure(d) -> bool:
    return d.confidence >= THRESHOLD and not d.reasons


# -- the head named in the title -------------------------------------------------------


def test_a_head_named_only_in_the_title_files_the_household(roster):
    text = (
        "王建国户2018年度贫困户年度收入调查表\n"
        "行政村: 白沙村    家庭人口: 4人\n"
        "単位: 元 (每月记录一次, 年终汇总)\n"
        "1月 684 216 21 492 1413\n"
        "全年家庭纯收入: 19200元    人均纯收入: 48OO元\n"
        "调查人: 袁玉兰    日期: 2018.12.17"
    )
    d = _decide(roster, text)
    assert (d.doc_type, _place(d)) == ("H11", ("001", "001"))
    assert _sure(d)


def test_a_title_naming_a_head_two_villages_share_is_reviewed(roster):
    d = _decide(roster, "张小明家2018年贫困户年度收入调查表\n家庭人口: 3人\n2018年12月9日")
    assert _place(d)[1] is None
    assert any("对应多户" in r for r in d.reasons)


def test_a_name_in_the_running_text_is_no_title(roster):
    text = "贫困户年度收入调查表\n家庭人口: 4人\n\n备注: 王建国之子在外务工\n2018年12月9日"
    d = _decide(roster, text)
    assert d.household is None and not _sure(d)


# -- 户编号 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "place"),
    [
        ("户编号: OO1OO1", ("001", "001")),  # joined with the village code, 0 read as O
        ("户 编 号：002-0l7", ("002", "017")),  # a separator, 1 read as l
        ("户号 002017", ("002", "017")),
    ],
)
def test_a_household_number_joined_with_the_village_code_files_the_household(roster, line, place):
    text = f"帮扶连心卡\n{line}\n致贫原因 因病 联系电话 1380000OOO1\n2016年3月15日"
    d = _decide(roster, text)
    assert (d.doc_type, _place(d)) == ("H12", place)
    assert _sure(d)


def test_a_household_number_alone_needs_the_village_named(roster):
    alone = _decide(roster, "帮扶连心卡\n户编号: 017\n2016年3月15日")
    assert alone.household is None and not _sure(alone)
    named = _decide(roster, "帮扶连心卡\n户编号: 017\n家庭住址 柳树村3组\n2016年3月15日")
    assert _place(named) == ("002", "017")


def test_a_number_and_a_name_that_disagree_are_reviewed(roster):
    d = _decide(roster, "贫困户申请书\n户编号: 001002\n申请人: 王建国\n2016年3月1日")
    assert d.household is None and not _sure(d)
    assert any("指向不同的户" in r for r in d.reasons)


def test_a_number_settles_which_of_two_namesakes(roster):
    d = _decide(roster, "贫困户申请书\n户编号：OO2OO1\n申请人：张小明\n2016年3月1日")
    assert _place(d) == ("002", "001")
    assert _sure(d)


# -- a village paper's village from the people it names ---------------------------------


def test_minutes_that_never_name_their_village_are_placed_by_the_households_named(roster):
    text = (
        "扶贫工作会议记录\n时间: 2018.4.14上午9时\n地点: 村委会议室\n"
        "第一书记通报上月帮扶措施落实情况: 李秀英户产业扶持: 发放鸡苗50只;"
        " 帮扶责任人孙海涛入户走访。\n"
    )
    d = _decide(roster, text)
    assert (d.doc_type, _place(d)) == ("V02", ("002", None))
    assert _sure(d)


def test_minutes_naming_only_their_cadres_are_placed_by_earlier_filed_papers(roster):
    text = (
        "两委会议记录\n时间: 二〇一八年一月十八日上午9时\n"
        "主持人: 周志强    记录人: 吴桂芬\n会议内容: 部署扶贫档案资料整理工作。"
    )
    d = _decide(roster, text)
    assert _place(d) == ("002", None)
    assert d.people == ["周志强", "吴桂芬"]


def test_a_log_naming_households_of_two_villages_is_reviewed(roster):
    text = (
        "驻村工作队工作日志\n2月12日 星期一 小雨\n帮扶责任人赵德福入户走访贫困户王建国。\n"
        "帮扶责任人孙海涛入户走访贫困户李秀英。"
    )
    d = _decide(roster, text)
    assert d.village is None and not _sure(d)
    assert any("分属多个村" in r for r in d.reasons)


def test_one_name_alone_does_not_place_a_village_paper(roster):
    d = _decide(roster, "驻村工作队工作日志\n2月12日\n入户走访贫困户李秀英。")
    assert d.village is None and not _sure(d)


# -- documents from above, known by their 文号 -------------------------------------------


@pytest.mark.parametrize(
    "number", ["桑政发〔2018〕30号", "桑政发[2018]30号", "桑政发C2018J30号", "桑政发 (2018) 30 号"]
)
def test_a_document_number_under_the_issuers_head_is_an_incoming_document(roster, number):
    text = (
        f"桑村镇人民政府文件\n{number}\n关于做好2018年度扶贫档案资料整理工作的通知\n"
        "各村（社区）、镇直各单位：\n现将《扶贫档案资料整理工作方案》印发给你们。\n"
        "桑村镇人民政府\n2018年3月5日\n柳树村收文 2018.3.8"
    )
    d = _decide(roster, text)
    assert d.doc_type == "V12"
    assert d.doc_number == "桑政发〔2018〕30号"
    assert d.responsible == "桑村镇人民政府"
    assert d.title == "关于做好2018年度扶贫档案资料整理工作的通知"
    assert _place(d) == ("002", None)


def test_a_document_number_quoted_in_minutes_is_no_incoming_document(roster):
    text = (
        "柳树村两委会议记录\n时间: 2018年3月10日\n"
        "会议内容: 学习桑政发〔2018〕30号文件精神, 部署扶贫档案资料整理工作。"
    )
    d = _decide(roster, text)
    assert (d.doc_type, d.doc_number) == ("V02", None)
