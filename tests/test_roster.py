from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dangan.archive.errors import InputError
from dangan.archive.idnumber import check_digit, why_invalid
from dangan.archive.models import Helper, Household, JournalEvent, Pairing, Village
from dangan.archive.roster import import_roster
from tests.conftest import DATA

ROSTER = DATA / "roster.xlsx"


def _import(arc, path):
    with arc.db.write() as session:
        return import_roster(session, arc.township(session), path, actor="tester")


def test_xlsx_with_title_row_and_synonym_headers(arc):
    report = _import(arc, ROSTER)
    assert (report.rows, report.created, report.updated) == (8, 6, 0)
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
    # Spreadsheet rows (title row 1, header row 2): no head's name, no village.
    assert set(reasons) == {9, 10}
    assert "户主姓名" in reasons[9] and "未导入" in reasons[9]
    assert "行政村" in reasons[10] and "未导入" in reasons[10]
    assert str(report.errors[0]).startswith("第 9 行")
    # The invalid ID number is imported as written and flagged on its row.
    [warning] = report.warnings
    assert (warning.row, warning.field) == (8, "id_number")
    assert "校验位错误" in warning.reason and "411081196001010002" in warning.reason
    assert str(warning).startswith("第 8 行")
    with arc.db.read() as session:
        qian = session.scalar(select(Household).where(Household.head_name == "钱多多"))
        assert (qian.village.code, qian.household_no, qian.id_number, qian.members) == (
            "002",
            "003",
            "411081196001010002",
            3,
        )


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
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    with arc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 6
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
    # 陈小红's row repeats 李桂芳's ID number: both households are imported, the later
    # row is flagged naming the earlier one.
    assert report.errors == []
    assert [(w.row, w.reason) for w in report.warnings] == [
        (
            4,
            f"身份证号 {_valid_id('11010519491231002')} 与第 2 行(李桂芳)相同, 两户都已导入, 请核对",
        )
    ]
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
        pairings = session.scalars(select(Pairing).order_by(Pairing.id)).all()
        assert [(p.household.head_name, p.helper.name, p.start_date) for p in pairings] == [
            ("李桂芳", "马军", dt.date(2016, 4, 1)),
            ("陈小红", "马军", dt.date(2016, 4, 1)),
        ]
    assert [tuple(r) for r in rows] == [
        ("001", "红星村", "001", "李桂芳", 3),
        ("001", "红星村", "002", "周大山", 2),
        ("002", "东风村", "001", "陈小红", 1),
        ("002", "东风村", "002", "赵四", 1),
    ]


def test_same_id_number_twice_in_one_file_is_reported(arc, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        "行政村,户主姓名,身份证号\n白沙村,王建国,11010519491231002X\n白沙村,王建华,11010519491231002X\n",
        encoding="utf-8",
    )
    report = _import(arc, path)
    assert (report.created, report.errors) == (2, [])
    assert [(w.row, w.reason) for w in report.warnings] == [
        (3, "身份证号 11010519491231002X 与第 2 行(王建国)相同, 两户都已导入, 请核对")
    ]
    # Re-import tells the two apart by name: nothing new, nothing changed.
    again = _import(arc, path)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    with arc.db.read() as session:
        rows = session.execute(
            select(Household.household_no, Household.head_name).order_by(Household.household_no)
        ).all()
    assert [tuple(r) for r in rows] == [("001", "王建国"), ("002", "王建华")]


def test_id_number_stored_as_number_is_explained(arc, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["行政村", "户主姓名", "身份证号"])
    wb.active.append(["白沙村", "王建国", 110105194912310020])
    path = tmp_path / "numeric.xlsx"
    wb.save(path)
    report = _import(arc, path)
    # The digits cannot be trusted: the household is imported without an ID number.
    assert (report.created, report.errors) == (1, [])
    [warning] = report.warnings
    assert warning.row == 2 and "存成了数字" in warning.reason
    with arc.db.read() as session:
        assert session.scalars(select(Household)).one().id_number == ""


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


# -- rows imported with a warning, rows refused, and re-import ---------------------------

HEADER = "行政村,村代码,户编号,户主姓名,身份证号,识别年度\n"
GOOD = _valid_id("41108119620315001")
BAD = "411081196001010002"  # check digit wrong (the valid one ends in 3)


def _csv(tmp_path, body: str, name: str = "roster.csv", header: str = HEADER):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def _households(arc) -> list[tuple[str, str, str, str]]:
    with arc.db.read() as session:
        rows = session.execute(
            select(Village.name, Household.household_no, Household.head_name, Household.id_number)
            .join(Household)
            .order_by(Village.code, Household.household_no)
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("written", "stored", "reason"),
    [
        (BAD, BAD, "身份证号校验位错误"),
        ("411081196002300003", "411081196002300003", "身份证号中的出生日期无效"),
        ("41108119600101", "41108119600101", "身份证号应为18位"),
        (_valid_id("99108119600101000"), _valid_id("99108119600101000"), "身份证号中的地区码无效"),
        ("4110811960 0101000x", "41108119600101000X", "身份证号校验位错误"),
        ("", "", "缺少户主身份证号"),
    ],
)
def test_row_with_an_invalid_or_missing_id_number_is_imported_and_flagged(
    arc, tmp_path, written, stored, reason
):
    assert why_invalid(written)  # every case is really invalid
    path = _csv(
        tmp_path, f"柳树村,002,003,钱多多,{written},2015\n白沙村,001,001,王建国,{GOOD},2015\n"
    )
    report = _import(arc, path)
    assert (report.created, report.errors) == (2, [])
    [warning] = report.warnings
    assert (warning.row, warning.field) == (2, "id_number")
    assert warning.reason.startswith(reason) and stored in warning.reason
    assert "已导入" in warning.reason
    assert _households(arc) == [
        ("白沙村", "001", "王建国", GOOD),
        ("柳树村", "003", "钱多多", stored),
    ]


def test_cli_imports_a_bad_id_row_with_a_warning_and_exit_code_0(arc, tmp_path):
    import json

    from typer.testing import CliRunner

    from dangan.cli.main import app

    path = _csv(tmp_path, f"柳树村,002,003,钱多多,{BAD},2015\n")
    out = CliRunner().invoke(app, ["roster", "import", str(path), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert (report["created"], report["errors"]) == (1, [])
    [warning] = report["warnings"]
    assert warning["row"] == 2 and warning["field"] == "id_number"
    assert "校验位错误" in warning["reason"] and BAD in warning["reason"]
    plain = CliRunner().invoke(app, ["roster", "import", str(path)])
    assert plain.exit_code == 0, plain.output
    assert "未变 1 户" in plain.stdout


def test_rows_without_a_head_or_a_village_are_refused_naming_the_row(arc, tmp_path):
    path = _csv(
        tmp_path,
        f"柳树村,002,001,周伟,{GOOD},2015\n"
        f"柳树村,002,003,,{BAD},2015\n"  # no head's name
        f",,004,孙德胜,{_valid_id('41108119550630005')},2014\n"  # no village at all
        f",002,005,赵桂兰,{_valid_id('41108119650102004')},2014\n"  # the code is enough
        f",009,001,吴小兵,{_valid_id('41108119720202007')},2015\n",  # an unknown code alone is not
    )
    report = _import(arc, path)
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "缺少必填项 户主姓名, 本行未导入"),
        (4, "缺少必填项 行政村, 本行未导入"),
        (6, "村代码 009 尚未登记, 本行又没有行政村名称, 本行未导入"),
    ]
    assert str(report.errors[0]).startswith("第 3 行")
    assert report.warnings == []
    assert [h[:3] for h in _households(arc)] == [
        ("柳树村", "001", "周伟"),
        ("柳树村", "005", "赵桂兰"),
    ]


@pytest.mark.parametrize("numbered", [True, False], ids=["with-household-numbers", "without"])
def test_reimporting_a_file_with_bad_id_rows_creates_no_duplicates(arc, tmp_path, numbered):
    rows = [
        ("柳树村", "001", "钱多多", BAD),
        ("柳树村", "002", "孙德胜", ""),
        ("柳树村", "003", "赵桂兰", "41108119650102"),
        # Two households sharing one invalid number: both kept, told apart by name.
        ("白沙村", "001", "张秀英", "411081195807200020"),
        ("白沙村", "002", "刘志强", "411081195807200020"),
        ("白沙村", "003", "王建国", GOOD),
    ]
    if numbered:
        path = _csv(tmp_path, "".join(f"{v},,{n},{h},{i},2015\n" for v, n, h, i in rows))
    else:
        path = _csv(
            tmp_path,
            "".join(f"{v},{h},{i}\n" for v, _n, h, i in rows),
            header="行政村,户主姓名,身份证号\n",
        )
    first = _import(arc, path)
    assert (first.created, first.errors) == (6, [])
    assert [w.row for w in first.warnings] == [2, 3, 4, 5, 6, 6]
    assert "与第 5 行(张秀英)相同" in first.warnings[-1].reason
    before = _households(arc)
    assert before == rows  # villages numbered 001, 002 in the order they first appear
    again = _import(arc, path)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 6, [])
    # Still flagged each time the roster is imported.
    assert [(w.row, w.reason) for w in again.warnings] == [
        (w.row, w.reason) for w in first.warnings
    ]
    assert _households(arc) == before
    with arc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Village)) == 2


def test_a_corrected_id_number_updates_the_household_it_was_wrong_for(arc, tmp_path):
    header = "行政村,户主姓名,身份证号\n"  # no household numbers: matched by ID, then name
    fixed = _valid_id(BAD[:17])
    _import(arc, _csv(tmp_path, f"柳树村,钱多多,{BAD}\n柳树村,孙德胜,\n", "a.csv", header))
    report = _import(
        arc, _csv(tmp_path, f"柳树村,钱多多,{fixed}\n柳树村,孙德胜,{GOOD}\n", "b.csv", header)
    )
    assert (report.created, report.updated, report.errors, report.warnings) == (0, 2, [], [])
    assert _households(arc) == [
        ("柳树村", "001", "钱多多", fixed),
        ("柳树村", "002", "孙德胜", GOOD),
    ]
    with arc.db.read() as session:
        events = session.scalars(
            select(JournalEvent)
            .where(JournalEvent.action == "household.update")
            .order_by(JournalEvent.seq)
        ).all()
        assert [(e.before, e.after) for e in events] == [
            ({"id_number": BAD}, {"id_number": fixed}),
            ({"id_number": ""}, {"id_number": GOOD}),
        ]


def test_two_people_with_one_name_and_valid_numbers_stay_two_households(arc, tmp_path):
    other = _valid_id("41108119600101005")
    path = _csv(
        tmp_path,
        f"柳树村,张小明,{GOOD}\n柳树村,张小明,{other}\n",
        header="行政村,户主姓名,身份证号\n",
    )
    assert _import(arc, path).created == 2
    again = _import(arc, path)
    assert (again.created, again.unchanged) == (0, 2)
    assert [h[2:] for h in _households(arc)] == [("张小明", GOOD), ("张小明", other)]


def test_the_same_household_twice_in_one_file_is_refused_naming_both_rows(arc, tmp_path):
    numbered = _csv(
        tmp_path,
        f"柳树村,002,003,钱多多,{BAD},2015\n柳树村,002,003,钱多多,{BAD},2015\n"
        f"柳树村,002,004,孙德胜,{GOOD},2015\n柳树村,002,004,孙德兵,{BAD},2015\n",
        "numbered.csv",
    )
    report = _import(arc, numbered)
    assert report.created == 2
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "柳树村 户编号 003 与第 2 行重复, 本行未导入"),
        (5, "柳树村 户编号 004 与第 4 行重复, 本行未导入"),
    ]
    plain = _csv(
        tmp_path,
        "白沙村,孙德兵,41108119550630\n白沙村,孙德兵,41108119550630\n",
        "plain.csv",
        header="行政村,户主姓名,身份证号\n",
    )
    report = _import(arc, plain)
    assert report.created == 1
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "与第 2 行重复(户主姓名和身份证号 41108119550630 都相同), 本行未导入")
    ]


def test_an_id_number_already_on_file_for_another_household(arc, tmp_path):
    _import(arc, _csv(tmp_path, f"白沙村,001,001,王建国,{GOOD},2015\n", "a.csv"))
    report = _import(
        arc,
        _csv(
            tmp_path,
            # The same person in another village would be a second file for one family.
            f"柳树村,002,001,王建国,{GOOD},2015\n"
            # Someone else with his number: imported, and both named.
            f"柳树村,002,002,李桂芳,{GOOD},2015\n",
            "b.csv",
        ),
    )
    assert [(e.row, e.reason) for e in report.errors] == [
        (2, f"身份证号 {GOOD} 已登记为 白沙村 001 户(王建国), 本行未导入")
    ]
    assert [(w.row, w.reason) for w in report.warnings] == [
        (3, f"身份证号 {GOOD} 也登记在 白沙村 001 户(王建国), 请核对")
    ]
    assert [h[2] for h in _households(arc)] == ["王建国", "李桂芳"]


def test_unreadable_cells_are_flagged_and_leave_the_stored_value(arc, tmp_path):
    _import(arc, _csv(tmp_path, f"白沙村,001,001,王建国,{GOOD},2015\n", "a.csv"))
    report = _import(arc, _csv(tmp_path, "白沙村,001,001,王建国,,二〇一五年\n", "b.csv"))
    assert (report.errors, report.updated, report.unchanged) == ([], 0, 1)
    assert [(w.row, w.field, w.reason) for w in report.warnings] == [
        (2, "id_number", f"缺少户主身份证号, 保留已登记的身份证号 {GOOD}"),
        (2, "identification_year", "识别年度无法识别(二〇一五年), 该项未导入"),
    ]
    with arc.db.read() as session:
        wang = session.scalars(select(Household)).one()
        assert (wang.id_number, wang.identification_year) == (GOOD, 2015)


def test_papers_of_a_household_with_a_bad_id_number_are_filed_to_it(arc, tmp_path, carry):
    import docx

    from dangan.archive.models import Document
    from dangan.ingest.receive import Hints, receive_paths

    true_id = _valid_id(BAD[:17])
    report = _import(
        arc,
        _csv(tmp_path, f"柳树村,002,003,钱多多,{BAD},2015\n白沙村,001,001,王建国,{GOOD},2015\n"),
    )
    assert (report.created, report.errors) == (2, [])

    def paper(name: str, lines: list[str]):
        document = docx.Document()
        for line in lines:
            document.add_paragraph(line)
        path = tmp_path / name
        document.save(path)
        return path

    # Uploaded with its village and household, as the demo uploads a household's
    # folder; the paper carries the head's true number, not the roster's.
    hinted = paper(
        "申请书.docx", ["贫困户申请书", "户主姓名：钱多多", f"身份证号：{true_id}", "2018年3月5日"]
    )
    [a] = receive_paths(arc, [hinted], actor="t", hints=Hints(village="002", household="003"))
    # Without hints, writing the roster's invalid number: matching by ID number reads
    # only valid numbers out of text and cannot use it; the head's name finds the household.
    named = paper(
        "调查表.docx",
        ["贫困户入户调查表", "户主姓名：钱多多", f"身份证号：{BAD}", "填表日期：2018年4月2日"],
    )
    [b] = receive_paths(arc, [named], actor="t")
    carry(arc)
    with arc.db.read() as session:
        for got in (a, b):
            doc = session.get(Document, got.document_id)
            assert doc.status == "filed", doc.review_reasons
            assert (doc.village.code, doc.household.household_no, doc.household.id_number) == (
                "002",
                "003",
                BAD,
            )


def test_values_longer_than_their_column_are_refused_or_left_out(arc, tmp_path):
    """PostgreSQL refuses a value longer than its column and, with it, the whole import:
    a name too long refuses its row, an optional field too long is left out."""
    header = "行政村,村代码,户编号,户主姓名,身份证号,识别年度,联系电话,帮扶责任人\n"
    path = _csv(
        tmp_path,
        f"柳树村,002,001,周伟,{GOOD},2015,{'1' * 40},{'李' * 60}\n"
        f"柳树村,002,002,{'王' * 51},{_valid_id('41108119650102004')},2015,,\n",
        header=header,
    )
    report = _import(arc, path)
    assert [(e.row, e.reason) for e in report.errors] == [(3, "户主姓名超过 50 个字, 本行未导入")]
    reasons = [w.reason for w in report.warnings if w.row == 2]
    assert "联系电话超过 30 个字, 该项未导入" in reasons
    assert "帮扶责任人超过 50 个字, 该项未导入" in reasons
    assert [h[:3] for h in _households(arc)] == [("柳树村", "001", "周伟")]
