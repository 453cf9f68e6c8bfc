"""Reading help measures and incomes out of the manual, the work log and the forms."""

from __future__ import annotations

import datetime as dt

from dangan.archive.facts import incomes_by_year
from dangan.archive.measures import dated_records, quantities, read_measures
from dangan.archive.scheme import load_scheme

WORDS = load_scheme().measures


def test_a_log_entry_wrapped_over_two_lines_is_one_measure_dated_by_its_heading() -> None:
    log = "工作日志 2018年7月\n7月2日 星期一 晴\n协助帮扶责任人王德兴为4组贫困户方强山落实就业扶持措施：推荐到镇工业园务工，月工\n资4400元。\n7月4日 星期三\n帮扶责任人王德兴入户走访。"
    (measure,) = read_measures(log, WORDS)
    assert measure.date == dt.date(2018, 7, 2)
    assert measure.counts() == {"元": (4400.0,)}
    assert measure.category == "转移就业"  # 就业扶持 is one of its wordings


def test_table_rows_in_chinese_numerals_and_numbered_rows() -> None:
    manual = "二〇一八年三月七日 公益岗位 安排保洁员，月工资500元 年增收6000元\n二〇一八年十月二十二日 技能培训 电焊工22天"
    first, second = read_measures(manual, WORDS)
    assert (first.date, first.category) == (dt.date(2018, 3, 7), "公益岗位")
    assert first.counts() == {"元": (500.0, 6000.0)}
    assert (second.date, second.counts()) == (dt.date(2018, 10, 22), {"天": (22.0,)})
    plan = "1 产业扶持：发放种猪2头 2018年8月8日 已落实"
    (row,) = read_measures(plan, WORDS)
    assert row.date == dt.date(2018, 8, 8) and row.counts() == {"头": (2.0,)}


def test_a_plan_without_numbers_is_no_measure_taken() -> None:
    assert read_measures("2017年 落实产业扶持、就业扶持措施 增加收入", WORDS) == []


def test_dates_and_years_are_not_quantities() -> None:
    assert quantities("2018年7月2日 发放种猪2头，补助1.5万元") == ((2.0, "头"), (15000.0, "元"))


def test_records_start_at_days_rows_and_labels() -> None:
    records = dated_records("2018年6月\n6月4日 星期一\n走访\n记录人：薛顺福")
    assert [r for _, r in records] == ["2018年6月", "6月4日星期一走访", "记录人:薛顺福"]


def test_incomes_labelled_in_tables_and_with_a_misread_separator() -> None:
    table = "年度 人均纯收入 是否脱贫\n2017年 2260元 否\n2018年 1.590元 否\n帮扶责任人签字：王德兴"
    assert [(y, v) for y, v, _ in incomes_by_year(table)] == [(2017, 2260.0), (2018, 1590.0)]
    assert [(y, v) for y, v, _ in incomes_by_year("人均纯收入：5270元", 2018)] == [(2018, 5270.0)]
    assert incomes_by_year("全年家庭纯收入：18360元") == []
