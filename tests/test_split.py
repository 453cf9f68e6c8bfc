"""Splitting a feeder scan into its forms by the titles that start pages."""

from __future__ import annotations

import pytest

from dangan.ingest.split import heading_title, page_title, split_points

TITLES = [
    "申请书",
    "贫困户申请书",
    "入户调查表",
    "评议表",
    "审批表",
    "信息采集表",
    "确认告知书",
    "扶贫手册",
    "结对帮扶登记表",
    "脱贫计划落实情况表",
    "年度收入调查表",
    "帮扶联系卡",
    "脱贫验收表",
    "会议记录",
    "工作日志",
    "公示",
    "公告",
    "台账",
]


def test_feeder_scan_is_split_at_each_title_page() -> None:
    pages = [
        "贫困户申请书\n本人张秀英，家住东坪村。",
        "申请人签字：张秀英\n二〇一六年三月十二日",
        "入户调查表\n户主 张秀英 家庭人口 4",
        "评议表\n经民主评议，同意。",
        "续页内容\n村委会盖章",
    ]
    assert split_points(pages, TITLES) == [(1, 2), (3, 3), (4, 5)]


def test_ocr_noise_in_titles_is_tolerated() -> None:
    pages = [
        "建 档 立 卡 贫 困 户 申 清 书\n本人……",  # spaces between characters, 请 read as 清
        "入户调查衣 (2016年度)\n户主",  # 表 read as 衣, a year in brackets after
        "  \n\n结对帮扶登记\n帮扶人",  # last character lost, blank lines above
        "桑村镇东坪村\n脱贫计划落实情况表\n2017",  # title on the second line
    ]
    assert split_points(pages, TITLES) == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_short_titles_must_match_exactly() -> None:
    assert heading_title("2017年东坪村贫困户识别结果公示", TITLES) == "公示"
    assert heading_title("2017年东坪村贫困户识别结果公式", TITLES) is None  # 2 chars: exact only


def test_title_in_running_text_does_not_split() -> None:
    pages = [
        "贫困户申请书\n本人张秀英。",
        "根据本人申请书所述，家庭确有困难，\n入户调查表已由村干部填写。",
        "经调查，情况属实，附入户调查表一份\n继续说明",
        "第三行以后才出现\n的标题不算\n其他内容\n审批表",
    ]
    assert split_points(pages, TITLES) == [(1, 4)]


def test_words_after_the_title_mean_it_is_not_a_heading() -> None:
    assert heading_title("申请书审核意见", TITLES) is None
    assert heading_title("贫困户申请书（一）", TITLES) == "贫困户申请书"


def test_continuation_heading_does_not_split() -> None:
    pages = ["审批表\n第一部分", "审批表（续）\n第二部分", "审批表\n另一户"]
    assert split_points(pages, TITLES) == [(1, 2), (3, 3)]


def test_pages_before_the_first_title_found_are_a_part_of_their_own() -> None:
    # OCR lost page 1's title: gluing it to the next form would misfile both.
    pages = ["封面\n东坪村档案", "", "评议表\n...", "审批表\n..."]
    assert split_points(pages, TITLES) == [(1, 2), (3, 3), (4, 4)]


def test_stray_ocr_marks_around_a_heading_are_ignored() -> None:
    pages = ["。建档立卡贫困户审批表\n户主姓名 唐春强", "贫困户确认告知书\n唐春强"]
    assert split_points(pages, ["审批表", "确认告知书"]) == [(1, 1), (2, 2)]


@pytest.mark.parametrize(
    "pages",
    [["评议表\n内容"], ["没有标题", "也没有"], ["评议表", "评议表（续）"]],
)
def test_a_single_part_means_no_split(pages: list[str]) -> None:
    assert len(split_points(pages, TITLES)) == 1


def test_no_pages_no_parts() -> None:
    assert split_points([], TITLES) == []


def test_scheme_names_with_alternatives_are_titles() -> None:
    assert page_title("入户认定调查表\n...", ["入户调查表/认定调查表/核查表"]) == "认定调查表"


def test_numbered_section_of_a_form_is_not_a_new_form() -> None:
    pages = [
        "贫困户扶贫手册\n户主姓名：王建国",
        "一、家庭基本情况\n...",
        "四、帮扶计划表\n2016年 产业扶持",
    ]
    assert split_points(pages, ["扶贫手册", "帮扶计划表"]) == [(1, 3)]


def test_traditional_titles_split_like_simplified_ones() -> None:
    pages = ["貧困戶申請書\n本人王建國", "建檔立卡貧困戶審批表\n戶主姓名"]
    assert split_points(pages, ["申请书", "审批表"]) == [(1, 1), (2, 2)]


def test_section_whose_ordinal_ocr_lost_is_not_a_new_form() -> None:
    pages = [
        "貧困戶扶貧手冊\n戶編號:005",
        "一、家庭基本情況\n所在村",
        "、幫扶計劃\n年度 幫扶計劃 預期目標",  # "三、" read as "、"
    ]
    assert split_points(pages, ["扶贫手册", "帮扶计划"]) == [(1, 3)]


def test_a_lone_character_after_a_heading_is_a_stray_mark() -> None:
    pages = [
        "建档立卡贫困户审批表\n户编号: 005",
        "毛敏芳户2014年度贫困户信息采集表 每\n户编号: 003005",
    ]
    assert split_points(pages, TITLES) == [(1, 1), (2, 2)]
    assert heading_title("申请书 审核意见", TITLES) is None
    assert heading_title("评议表 续", TITLES) is None
