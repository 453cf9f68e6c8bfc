"""Reading facts out of noisy OCR text."""

from __future__ import annotations

import datetime as dt

import pytest

from dangan.archive import facts

NOISY = """贫 困 户 入 户 调 查 表
户主姓名: 王 建 国   身份证号: 11O105 1949 1231 0O2x
所在村: 白沙村  家庭人口: ４ 人
帮扶责任人: 李明   联系电话: 13800000001
依据桑发[2018] 30号, 发放鸡苗50只, 补助1.5万元, 年人均纯收入 3,200.5 元
填表日期: 二〇一八年三月五日"""


def test_id_numbers_repair_ocr_lookalikes_and_check_the_digit():
    assert facts.id_numbers(NOISY) == ["11010519491231002X"]
    assert facts.id_numbers("身份证号 110105194912310021") == []  # wrong check digit
    assert facts.invalid_id_numbers("身份证号 110105194912310021") == ["110105194912310021"]
    assert facts.id_numbers("电话13800000001234567") == []


def test_labelled_fields_stop_at_the_next_label():
    assert facts.head_name(NOISY) == "王建国"
    assert facts.head_name("户主姓名:欧阳秀英 性别:女") == "欧阳秀英"
    assert facts.members(NOISY) == 4
    assert facts.village_name(NOISY) == "白沙村"
    assert facts.helper_names(NOISY) == ["李明"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018年3月5日", [dt.date(2018, 3, 5)]),
        ("2018-03-05 和 2019/12/31", [dt.date(2018, 3, 5), dt.date(2019, 12, 31)]),
        ("二〇一八年三月五日", [dt.date(2018, 3, 5)]),
        ("二○一九年十二月二十五日", [dt.date(2019, 12, 25)]),
        ("2018年2月30日", []),
        ("2 0 1 8 年 3 月 5 日", [dt.date(2018, 3, 5)]),
    ],
)
def test_dates_in_chinese_formats(text, expected):
    assert facts.dates(text) == expected


def test_document_date_prefers_the_labelled_date_over_a_birth_date():
    assert facts.document_date(NOISY) == dt.date(2018, 3, 5)
    assert facts.document_date("出生日期: 1949年12月31日\n申请人: 王建国\n2016年4月2日") == dt.date(
        2016, 4, 2
    )


def test_document_numbers_restored_from_ocr_brackets():
    assert facts.document_numbers(NOISY) == ["桑发〔2018〕30号"]
    assert facts.document_numbers("桑发（2018）30号 与 桑发〔2018〕30号") == ["桑发〔2018〕30号"]
    assert facts.document_numbers("桑 政 发 【 2019 】 7 号") == ["桑政发〔2019〕7号"]


def test_amounts_in_yuan():
    assert facts.amounts(NOISY) == [15000.0, 3200.5]
    assert facts.labelled_amount("年人均纯收入: 4100元", "年人均纯收入") == 4100.0


def test_form_title_on_the_first_lines_tolerates_one_wrong_character():
    titles = ["入户调查表", "扶贫手册", "评议表", "申请书"]
    assert facts.form_title(NOISY, titles).title == "入户调查表"
    assert facts.form_title("贫困户入户調查表\n...", titles).title == "入户调查表"  # one char off
    assert facts.form_title("第一行\n第二行\n第三行\n第四行\n第五行 扶贫手册", titles) is None
    assert facts.form_title("评仪表", titles) is None  # three-character titles must be exact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二O〇一四年五月十二日", dt.date(2014, 5, 12)),  # a 〇 read twice
        ("二@〇一五年八月二十八日", dt.date(2015, 8, 28)),
        ("调查日期;二〇-四年五月二十三日", dt.date(2014, 5, 23)),
        ("二〇〇八年一月一日", dt.date(2008, 1, 1)),
    ],
)
def test_chinese_numeral_dates_survive_ocr_noise(text, expected):
    assert facts.dates(text) == [expected]


def test_undated_form_gets_the_year_it_names():
    assert (
        facts.document_year("石门村驻村工作队 队长:薛顺福 2018年]月", today=dt.date(2026, 1, 1))
        == 2018
    )
    assert facts.document_year("2030年规划", today=dt.date(2026, 1, 1)) is None
    assert facts.document_year("没有年份") is None


def test_household_numbers_alone_joined_or_parted_with_ocr_slips():
    assert facts.household_numbers("户编号：OO3Ol7") == [("003017",)]
    assert facts.household_numbers("户 号: 003 - 017") == [("003", "017")]
    assert facts.household_numbers("户编号 017  致贫原因 因病") == [("017",)]
    # a file's number, a table header and a phone number are no household numbers
    assert facts.household_numbers("文件编号: 12  户编号 户主 人口  电话 13800000001") == []


def test_a_heading_number_stands_on_its_own_line_under_the_issuer():
    found = facts.heading_number("山亭区扶贫办文件\n山扶办发【2019】7号\n关于开展排查的通知")
    assert found == facts.DocumentNumber("山扶办发〔2019〕7号", 1, "山亭区扶贫办")
    assert facts.heading_number("依据桑政发〔2018〕30号文件精神, 现将有关事项通知如下") is None
    assert facts.heading_number("1\n2\n3\n4\n5\n6\n桑政发〔2018〕30号") is None  # not at the top


def test_people_named_by_their_role_in_a_village_paper():
    text = (
        "主 持 人：梁茂富    记录人: 袁玉兰\n"
        "参加人员：梁茂富、周宝文、薛顺福等17人（村两委成员）\n记录人签字：袁玉兰"
    )
    assert facts.people_named(text) == ["梁茂富", "袁玉兰", "周宝文", "薛顺福"]
    assert facts.people_named("参加人员: 村两委成员、驻村工作队员、村民代表共41人") == []
