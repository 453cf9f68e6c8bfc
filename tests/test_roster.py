from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dangan.archive.errors import InputError
from dangan.archive.idnumber import check_digit
from dangan.archive.models import Helper, Household, JournalEvent, Pairing, Village
from dangan.archive.roster import import_roster
from tests.conftest import DATA

ROSTER = DATA / "roster.xlsx"


def _import(arc, path):
    with arc.db.write() as session:
        return import_roster(session, arc.township(session), path, actor="tester")


def test_xlsx_with_title_row_and_synonym_headers(arc):
    report = _import(arc, ROSTER)
    assert (report.rows, report.created, report.updated) == (8, 5, 0)
    assert report.villages_created == 2
    with arc.db.read() as session:
        villages = {v.code: v.name for v in session.scalars(select(Village))}
        wang = session.scalar(select(Household).where(Household.head_name == "王建国"))
        assert villages == {"001": "白沙村", "002": "柳树村"}
        assert (wang.household_no, wang.members, wang.identification_year, wang.exit_year) == (
            "001",
            4,
            2015,
            2018,
        )
        assert wang.annual_income == 3200.5  # header "年人均纯收入(元)"
        assert [(p.helper.name, p.start_date) for p in wang.pairings] == [
            ("李明", dt.date(2016, 3, 1))
        ]
        # One helper with two households is one helper row.
        assert session.scalar(select(func.count()).select_from(Helper)) == 3


def test_bad_rows_are_reported_with_row_and_reason_and_good_rows_import(arc):
    report = _import(arc, ROSTER)
    reasons = {e.row: e.reason for e in report.errors}
    assert set(reasons) == {8, 9, 10}  # spreadsheet rows (title row 1, header row 2)
    assert "校验位错误" in reasons[8] and "411081196001010002" in reasons[8]
    assert "户主姓名" in reasons[9]
    assert "行政村" in reasons[10]
    assert str(report.errors[0]).startswith("第 8 行")


def test_reimport_updates_without_duplicating_and_journals_changes(arc, tmp_path):
    _import(arc, ROSTER)
    wb = load_workbook(ROSTER)
    ws = wb.active
    for row in ws.iter_rows(min_row=3):
        if row[3].value == "王建国":
            row[5].value = 5  # 家庭人口 4 → 5
            row[7].value = None  # 脱贫年度 cleared
    changed = tmp_path / "roster-2.xlsx"
    wb.save(changed)
    report = _import(arc, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    with arc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 5
        assert session.scalar(select(func.count()).select_from(Pairing)) == 5
        wang = session.scalar(select(Household).where(Household.head_name == "王建国"))
        assert (wang.members, wang.exit_year) == (5, None)
        event = session.scalars(
            select(JournalEvent).where(JournalEvent.action == "household.update")
        ).one()
        assert event.entity_id == str(wang.id)
        assert event.before == {"exit_year": 2018, "members": 4}
        assert event.after == {"exit_year": None, "members": 5}
        assert event.actor == "tester"


def _valid_id(first17: str) -> str:
    return first17 + check_digit(first17)


def test_csv_in_gbk_without_codes_assigns_village_and_household_numbers(arc, tmp_path):
    path = tmp_path / "花名册.csv"
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["村名", "户主", "身份证号", "人口数", "帮扶人", "帮扶开始时间"])
        writer.writerow(
            ["红星村", "李桂芳", _valid_id("11010519491231002"), "3人", "马军", "2016年4月1日"]
        )
        writer.writerow(["红星村", "周大山", _valid_id("11010519500101003"), "2", "", ""])
        # Lower-case x as clerks type it is the same check character.
        writer.writerow(
            ["东风村", "陈小红", _valid_id("11010519491231002").lower(), "1", "马军", "2016/04/01"]
        )
        writer.writerow(["东风村", "赵四", _valid_id("11010519600101004"), "1", "", ""])
    report = _import(arc, path)
    assert [(e.row, e.reason) for e in report.errors] == [(4, "身份证号与第 2 行重复")]
    with arc.db.read() as session:
        rows = session.execute(
            select(
                Village.code,
                Village.name,
                Household.household_no,
                Household.head_name,
                Household.members,
            )
            .join(Household)
            .order_by(Village.code, Household.household_no)
        ).all()
        pairing = session.scalars(select(Pairing)).one()
        assert (pairing.helper.name, pairing.start_date) == ("马军", dt.date(2016, 4, 1))
    assert [tuple(r) for r in rows] == [
        ("001", "红星村", "001", "李桂芳", 3),
        ("001", "红星村", "002", "周大山", 2),
        ("002", "东风村", "001", "赵四", 1),
    ]


def test_same_id_number_twice_in_one_file_is_reported(arc, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "行政村,户主姓名,身份证号\n白沙村,王建国,11010519491231002X\n白沙村,王建华,11010519491231002X\n",
        encoding="utf-8",
    )
    report = _import(arc, path)
    assert report.created == 1
    assert [(e.row, e.reason) for e in report.errors] == [(3, "身份证号与第 2 行重复")]


def test_id_number_stored_as_number_is_explained(arc, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["行政村", "户主姓名", "身份证号"])
    wb.active.append(["白沙村", "王建国", 110105194912310020])
    path = tmp_path / "numeric.xlsx"
    wb.save(path)
    report = _import(arc, path)
    assert report.created == 0
    assert "存成了数字" in report.errors[0].reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.txt", b"whatever", "应为 .xlsx 或 .csv"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 XLSX"),
        ("noheader.csv", "甲,乙\n1,2\n".encode(), "找不到表头"),
    ],
)
def test_unreadable_roster_names_the_file_and_reason(arc, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        _import(arc, path)
    assert name in str(info.value)
