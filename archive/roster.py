"""Import of the registered-household roster (建档立卡户花名册) from CSV or XLSX.

Headers are matched by synonym wherever the header row sits (real rosters carry a
title row above it). Re-import updates households in place and journals each
change. Only a row that names no head of household or no village is refused; a
head's ID number that is missing or invalid, a cell that cannot be read, an ID
number shared with another household: the row is imported and the problem reported
with its row number (a warning), so that the household exists, its papers are filed
to it, and the audit can report the fault.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import idnumber, journal
from dangan.archive.errors import InputError
from dangan.archive.models import Helper, Household, Pairing, Township, Village

SYNONYMS: dict[str, tuple[str, ...]] = {
    "village": ("行政村", "村名", "所在村", "村", "行政村名称"),
    "village_code": ("村代码", "村编码", "村编号", "行政村代码"),
    "household_no": ("户编号", "户号", "户码", "户序号"),
    "head_name": ("户主姓名", "户主", "姓名"),
    "id_number": ("身份证号", "身份证号码", "户主身份证号", "户主身份证号码", "证件号码"),
    "members": ("家庭人口", "人口数", "家庭人口数", "家庭人数"),
    "identification_year": ("识别年度", "识别年份", "识别时间"),
    "exit_year": ("脱贫年度", "脱贫年份", "脱贫时间"),
    "poverty_cause": ("致贫原因", "主要致贫原因"),
    "helper_name": ("帮扶责任人", "帮扶人", "帮扶人姓名", "帮扶责任人姓名"),
    "helper_id": ("帮扶人身份证号", "帮扶责任人身份证号", "帮扶人身份证号码"),
    "pairing_start": ("帮扶开始日期", "帮扶开始时间", "结对日期"),
    "pairing_end": ("帮扶结束日期", "帮扶结束时间"),
    "phone": ("联系电话", "电话", "手机号码"),
    "annual_income": ("年人均纯收入", "人均纯收入", "家庭年人均纯收入"),
}
LABELS = {
    "village": "行政村",
    "village_code": "村代码",
    "household_no": "户编号",
    "head_name": "户主姓名",
    "poverty_cause": "致贫原因",
    "phone": "联系电话",
    "helper_name": "帮扶责任人",
    "helper_id": "帮扶人身份证号",
    "id_number": "身份证号",
    "members": "家庭人口",
    "identification_year": "识别年度",
    "exit_year": "脱贫年度",
    "annual_income": "年人均纯收入",
    "pairing_start": "帮扶开始日期",
    "pairing_end": "帮扶结束日期",
}
HOUSEHOLD_FIELDS = (
    "head_name",
    "id_number",
    "members",
    "identification_year",
    "exit_year",
    "poverty_cause",
    "phone",
    "annual_income",
)
_HEADER_SCAN_ROWS = 15
# The widest ID number the households table holds; a longer one cannot be stored.
_ID_WIDTH: int = Household.__table__.c.id_number.type.length  # type: ignore[attr-defined]


def _norm_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\(.*?\)$", "", text)  # "年人均纯收入(元)" names the same column


_LOOKUP = {_norm_header(s): key for key, names in SYNONYMS.items() for s in names}


@dataclass
class RowIssue:
    row: int
    reason: str
    field: str = ""  # the column at fault ("id_number", ...), "" for the row as a whole

    def __str__(self) -> str:
        return f"第 {self.row} 行: {self.reason}"


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    villages_created: int = 0
    errors: list[RowIssue] = field(default_factory=list)  # rows not imported
    warnings: list[RowIssue] = field(default_factory=list)  # rows imported, to be checked

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "villages_created": self.villages_created,
            "errors": [{"row": e.row, "reason": e.reason} for e in self.errors],
            "warnings": [
                {"row": w.row, "reason": w.reason, "field": w.field} for w in self.warnings
            ],
        }


@dataclass
class Cell:
    value: Any
    number_format: str = "General"


# -- reading files ---------------------------------------------------------------


def _read_csv(path: Path) -> list[list[Cell]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path.name}: 无法识别文件编码(应为 UTF-8 或 GBK)")
    return [[Cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _read_xlsx(path: Path) -> Iterator[list[list[Cell]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path.name}: 不是有效的 XLSX 文件 ({exc})") from exc
    try:
        for sheet in workbook.worksheets:
            yield [
                [Cell(c.value, getattr(c, "number_format", "General") or "General") for c in row]
                for row in sheet.iter_rows()
            ]
    finally:
        workbook.close()


def _find_header(rows: list[list[Cell]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = _LOOKUP.get(_norm_header(cell.value))
            if key and key not in columns:
                columns[key] = col
        if "head_name" in columns and "id_number" in columns:
            return index, columns
    return None


def read_roster(path: Path) -> tuple[list[tuple[int, dict[str, Cell]]], dict[str, int]]:
    """Rows as (spreadsheet row number, {field: cell}) plus the header mapping."""
    if not path.exists():
        raise InputError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheets: Iterator[list[list[Cell]]] = iter([_read_csv(path)])
    elif suffix in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path)
    else:
        raise InputError(f"{path.name}: 花名册应为 .xlsx 或 .csv 文件")
    for rows in sheets:
        found = _find_header(rows)
        if found is None:
            continue
        header_index, columns = found
        out = []
        for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
            cells = {
                key: row[col] if col < len(row) else Cell(None) for key, col in columns.items()
            }
            if all(_text(c) == "" for c in cells.values()):
                continue
            out.append((offset, cells))
        return out, columns
    raise InputError(f"{path.name}: 找不到表头(至少需要 户主姓名 和 身份证号 两列)")


# -- cell values -------------------------------------------------------------------


def _text(cell: Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _code(cell: Cell) -> str:
    """A code as the roster writes it; a number cell formatted "000" keeps its zeros."""
    if isinstance(cell.value, int | float) and re.fullmatch(r"0+", cell.number_format or ""):
        return str(int(cell.value)).zfill(len(cell.number_format))
    return _text(cell)


def _year(cell: Cell) -> int | None:
    if isinstance(cell.value, dt.date):
        return cell.value.year
    text = _text(cell)
    if not text:
        return None
    match = re.search(r"(19|20)\d{2}", text)
    if not match:
        raise ValueError(f"无法识别({text})")
    return int(match.group())


def _date(cell: Cell) -> dt.date | None:
    if isinstance(cell.value, dt.datetime):
        return cell.value.date()
    if isinstance(cell.value, dt.date):
        return cell.value
    text = _text(cell)
    if not text:
        return None
    match = re.fullmatch(
        r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text
    )
    if not match:
        raise ValueError(f"无法识别({text})")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"不是有效日期({text})") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"无法识别({text})") from None


def _int(cell: Cell) -> int | None:
    text = re.sub(r"[人口]", "", _text(cell))
    return int(_number(text)) if text else None


def _money(cell: Cell) -> float | None:
    text = re.sub(r"[元,，\s]", "", _text(cell))
    return _number(text) if text else None


def _head_id(cell: Cell) -> tuple[str | None, str | None]:
    """The head's ID number as written (normalised), None when the cell gives nothing
    that can be kept; and what is wrong with it, None when nothing is."""
    if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
        return None, "身份证号被存成了数字(精度已丢失), 未导入该项; 请将该列设为文本后重新导出"
    number = idnumber.normalise(_text(cell))
    if not number:
        return None, "缺少户主身份证号"
    if len(number) > _ID_WIDTH:
        return None, f"身份证号超过 {_ID_WIDTH} 位, 未导入该项: {number}"
    reason = idnumber.why_invalid(number)
    return number, (f"{reason}: {number}" if reason else None)


MAX_LENGTH = {
    "village": Village.__table__.c.name.type.length,
    "village_code": Village.__table__.c.code.type.length,
    "household_no": Household.__table__.c.household_no.type.length,
    "head_name": Household.__table__.c.head_name.type.length,
    "poverty_cause": Household.__table__.c.poverty_cause.type.length,
    "phone": Household.__table__.c.phone.type.length,
    "helper_name": Helper.__table__.c.name.type.length,
    "helper_id": Helper.__table__.c.id_number.type.length,
}
"""The longest text each field may hold: its column's length (PostgreSQL refuses a
longer value and the whole import with it)."""


def _parse_row(cells: dict[str, Cell]) -> dict[str, Any]:
    """Field values of one row. Raises ValueError, with the reason in Chinese, only for
    a row that cannot be used at all: one without a head's name or a village. A cell
    that cannot be read leaves its field out ("unknown") with a note ("notes")."""

    def get(key: str) -> Cell:
        return cells.get(key, Cell(None))

    missing = []
    if not _text(get("village")) and not _code(get("village_code")):
        missing.append(LABELS["village"])
    if not _text(get("head_name")):
        missing.append(LABELS["head_name"])
    if missing:
        raise ValueError(f"缺少必填项 {'、'.join(missing)}, 本行未导入")
    for key in ("village", "village_code", "household_no", "head_name"):
        text = _text(get(key))
        if len(text) > MAX_LENGTH[key]:
            raise ValueError(f"{LABELS[key]}超过 {MAX_LENGTH[key]} 个字, 本行未导入")

    notes: list[tuple[str, str]] = []
    unknown: set[str] = set()

    def short(key: str) -> str | None:
        """An optional text field, left out with a note when longer than its column (an
        ID number counted without its spaces)."""
        text = _text(get(key))
        if key == "helper_id":
            text = idnumber.normalise(text)
        if len(text) > MAX_LENGTH[key]:
            notes.append((key, f"{LABELS[key]}超过 {MAX_LENGTH[key]} 个字, 该项未导入"))
            unknown.add(key)
            return None
        return text or None

    def read(key: str, parse: Callable[[Cell], Any]) -> Any:
        try:
            return parse(get(key))
        except ValueError as exc:
            notes.append((key, f"{LABELS[key]}{exc}, 该项未导入"))
            unknown.add(key)
            return None

    id_number, id_problem = _head_id(get("id_number"))
    if id_number is None:
        unknown.add("id_number")
    return {
        "village": _text(get("village")),
        "village_code": _code(get("village_code")) or None,
        "household_no": _code(get("household_no")) or None,
        "head_name": _text(get("head_name")),
        "id_number": id_number,
        "id_problem": id_problem,
        "members": read("members", _int),
        "identification_year": read("identification_year", _year),
        "exit_year": read("exit_year", _year),
        "poverty_cause": short("poverty_cause"),
        "phone": short("phone"),
        "annual_income": read("annual_income", _money),
        "helper_name": short("helper_name"),
        "helper_id": short("helper_id"),
        "pairing_start": read("pairing_start", _date),
        "pairing_end": read("pairing_end", _date),
        "unknown": unknown,
        "notes": notes,
    }


def _different_people(stored: str, written: str | None) -> bool:
    """Two ID numbers that are both valid and differ name two people; an empty or
    invalid one (a clerk's slip, perhaps since corrected) proves nothing."""
    return bool(
        written and stored != written and idnumber.is_valid(stored) and idnumber.is_valid(written)
    )


# -- applying rows ---------------------------------------------------------------------


class _Importer:
    def __init__(self, session: Session, township: Township, actor: str, report: ImportReport):
        self.s, self.township, self.actor, self.report = session, township, actor, report
        self.villages = {v.code: v for v in township.villages}
        self.households = {
            (h.village_id, h.household_no): h
            for h in session.scalars(
                select(Household).join(Village).where(Village.township_id == township.id)
            )
        }
        # Several households may carry one ID number (a roster's mistake, reported).
        self.by_id_number: dict[str, list[Household]] = {}
        for h in self.households.values():
            self._index(h)
        # Households this import has already written: household id -> row number.
        self.claimed: dict[int, int] = {}
        # Rows of this file by the ID number they carry: [(row number, head's name)].
        self.rows_by_id: dict[str, list[tuple[int, str]]] = {}
        self.helpers_by_id = {
            h.id_number: h for h in session.scalars(select(Helper)) if h.id_number is not None
        }
        self.helpers_by_name = {
            h.name: h for h in session.scalars(select(Helper).where(Helper.id_number.is_(None)))
        }

    def _index(self, household: Household) -> None:
        if household.id_number:
            self.by_id_number.setdefault(household.id_number, []).append(household)

    def _unindex(self, household: Household, id_number: str) -> None:
        holders = self.by_id_number.get(id_number, [])
        if household in holders:
            holders.remove(household)

    def _warn(self, row_no: int, reason: str, field_: str = "") -> None:
        self.report.warnings.append(RowIssue(row_no, reason, field_))

    def _log(self, action: str, kind: str, ident: object, before: Any, after: Any) -> None:
        journal.record(
            self.s,
            actor=self.actor,
            action=action,
            entity_type=kind,
            entity_id=ident,
            before=before,
            after=after,
        )

    def find_village(self, code: str | None, name: str) -> tuple[Village | None, str]:
        """The row's village, or None and the code a new village would get."""
        if code is None:
            named = [v for v in self.villages.values() if v.name == name]
            if named:
                return named[0], named[0].code
            numbers = [int(c) for c in self.villages if c.isdigit()]
            return None, str(max(numbers, default=0) + 1).zfill(3)
        village = self.villages.get(code)
        if village is None:
            if not name:
                raise ValueError(f"村代码 {code} 尚未登记, 本行又没有行政村名称, 本行未导入")
        elif name and village.name != name:
            raise ValueError(
                f"村代码 {code} 已属于 {village.name}, 与本行的 {name} 不符, 本行未导入"
            )
        return village, code

    def create_village(self, code: str, name: str) -> Village:
        village = Village(township=self.township, code=code, name=name)
        self.s.add(village)
        self.s.flush()
        self.villages[code] = village
        self.report.villages_created += 1
        self._log("village.create", "village", village.id, None, {"code": code, "name": name})
        return village

    def find_household(self, village: Village, values: dict[str, Any]) -> Household | None:
        """The household a row without a household number describes: the one of the
        village with its ID number (and name, if several), else the one with its head's
        name unless both carry valid, different ID numbers. Households written by an
        earlier row of this file are not candidates."""
        pool = sorted(
            (
                h
                for (vid, _no), h in self.households.items()
                if vid == village.id and h.id not in self.claimed
            ),
            key=lambda h: h.household_no,
        )
        id_number, name = values["id_number"], values["head_name"]
        same_id = [h for h in pool if id_number and h.id_number == id_number]
        same_both = [h for h in same_id if h.head_name == name]
        if same_both:
            return same_both[0]
        if len(same_id) == 1:
            return same_id[0]
        named = [
            h for h in pool if h.head_name == name and not _different_people(h.id_number, id_number)
        ]
        return named[0] if named else None

    def household(self, row_no: int, values: dict[str, Any]) -> None:
        village, code = self.find_village(values["village_code"], values["village"])
        number = values["household_no"]
        household = None
        if village is not None:
            if number is not None:
                household = self.households.get((village.id, number))
            else:
                household = self.find_household(village, values)
        if household is not None and household.id in self.claimed:
            raise ValueError(
                f"{household.village.name} 户编号 {household.household_no} "
                f"与第 {self.claimed[household.id]} 行重复, 本行未导入"
            )
        id_number, name = values["id_number"], values["head_name"]
        if id_number is None and household is not None:
            id_number = household.id_number or None  # kept: the row gives none to replace it
        earlier = list(self.rows_by_id.get(id_number, [])) if id_number else []
        for other_row, other_name in earlier:
            if other_name == name:
                raise ValueError(
                    f"与第 {other_row} 行重复(户主姓名和身份证号 {id_number} 都相同), 本行未导入"
                )
        others = [
            h
            for h in (self.by_id_number.get(id_number, []) if id_number else [])
            if h is not household and h.id not in self.claimed
        ]
        for other in others:
            if other.head_name == name:
                # The same person's household already on file elsewhere: importing the
                # row would give one family two files.
                raise ValueError(
                    f"身份证号 {id_number} 已登记为 {other.village.name} "
                    f"{other.household_no} 户({other.head_name}), 本行未导入"
                )
        # Shared with a household of another name: imported, reported by `finish`.

        if village is None:
            village = self.create_village(code, values["village"])
        unknown: set[str] = values["unknown"]
        new = {k: values[k] for k in HOUSEHOLD_FIELDS if k not in unknown}
        kept_id = None
        if household is None:
            if number is None:
                taken = [
                    int(n) for (vid, n) in self.households if vid == village.id and n.isdigit()
                ]
                number = str(max(taken, default=0) + 1).zfill(3)
            fields = {k: values[k] for k in HOUSEHOLD_FIELDS} | {"id_number": id_number or ""}
            household = Household(village=village, household_no=number, **fields)
            self.s.add(household)
            self.s.flush()
            self.households[(village.id, number)] = household
            self._index(household)
            self.report.created += 1
            after = {"village_code": village.code, "household_no": number, **fields}
            self._log("household.create", "household", household.id, None, after)
        else:
            old = {k: getattr(household, k) for k in HOUSEHOLD_FIELDS}
            changed = {k for k in new if old[k] != new[k]}
            if "id_number" in unknown and household.id_number:
                kept_id = household.id_number
            if changed:
                for key in changed:
                    setattr(household, key, new[key])
                if "id_number" in changed:
                    self._unindex(household, old["id_number"])
                    self._index(household)
                self.report.updated += 1
                self._log(
                    "household.update",
                    "household",
                    household.id,
                    {k: old[k] for k in sorted(changed)},
                    {k: new[k] for k in sorted(changed)},
                )
            else:
                self.report.unchanged += 1
        self.claimed[household.id] = row_no
        if household.id_number:
            self.rows_by_id.setdefault(household.id_number, []).append((row_no, name))

        if values["id_problem"]:
            flagged = f", 保留已登记的身份证号 {kept_id}" if kept_id else ", 已导入, 请核对更正"
            self._warn(row_no, values["id_problem"] + flagged, "id_number")
        for key, note in values["notes"]:
            self._warn(row_no, note, key)
        if values["helper_name"]:
            self.pairing(row_no, household, values)

    def finish(self) -> None:
        """Report each ID number that rows of this file share with one another or with
        households on file that this file does not list: on every row but the first
        that carries it, naming the others, so a re-import reports what the first did."""
        for id_number, rows in self.rows_by_id.items():
            outside = [h for h in self.by_id_number.get(id_number, []) if h.id not in self.claimed]
            for index, (row_no, _name) in enumerate(rows):
                for other_row, other_name in rows[:index]:
                    self._warn(
                        row_no,
                        f"身份证号 {id_number} 与第 {other_row} 行({other_name})相同, "
                        "两户都已导入, 请核对",
                        "id_number",
                    )
                for other in outside:
                    self._warn(
                        row_no,
                        f"身份证号 {id_number} 也登记在 {other.village.name} "
                        f"{other.household_no} 户({other.head_name}), 请核对",
                        "id_number",
                    )
        self.report.warnings.sort(key=lambda w: w.row)

    def helper(self, row_no: int, name: str, id_number: str | None) -> Helper:
        if id_number and idnumber.why_invalid(id_number):
            self._warn(
                row_no, f"帮扶人 {name} 的身份证号无效({id_number}), 仅按姓名登记", "helper_id"
            )
            id_number = None
        helper = self.helpers_by_id.get(id_number) if id_number else self.helpers_by_name.get(name)
        if helper is None:
            helper = Helper(name=name, id_number=id_number)
            self.s.add(helper)
            self.s.flush()
            if id_number:
                self.helpers_by_id[id_number] = helper
            else:
                self.helpers_by_name[name] = helper
            self._log("helper.create", "helper", helper.id, None, {"name": name})
        return helper

    def pairing(self, row_no: int, household: Household, values: dict[str, Any]) -> None:
        helper = self.helper(row_no, values["helper_name"], values["helper_id"])
        unknown: set[str] = values["unknown"]
        start, end = values["pairing_start"], values["pairing_end"]
        existing = next(
            (
                p
                for p in household.pairings
                if p.helper_id == helper.id
                and ("pairing_start" in unknown or p.start_date == start or p.start_date is None)
            ),
            None,
        )
        if existing is None:
            pairing = Pairing(household=household, helper=helper, start_date=start, end_date=end)
            self.s.add(pairing)
            self.s.flush()
            after = {
                "household_id": household.id,
                "helper": helper.name,
                "start": start,
                "end": end,
            }
            self._log("pairing.create", "pairing", pairing.id, None, after)
            return
        # A date that could not be read leaves the one on file as it is.
        if "pairing_start" in unknown:
            start = existing.start_date
        if "pairing_end" in unknown:
            end = existing.end_date
        if (existing.start_date, existing.end_date) != (start, end):
            before = {"start": existing.start_date, "end": existing.end_date}
            existing.start_date, existing.end_date = start, end
            self._log(
                "pairing.update", "pairing", existing.id, before, {"start": start, "end": end}
            )


def import_roster(
    session: Session, township: Township, path: Path, *, actor: str = "system"
) -> ImportReport:
    """Import `path` into `township` within the caller's transaction."""
    rows, _columns = read_roster(path)
    report = ImportReport(source=path.name)
    importer = _Importer(session, township, actor, report)
    for row_no, cells in rows:
        report.rows += 1
        try:
            values = _parse_row(cells)
            with session.begin_nested():
                importer.household(row_no, values)
        except ValueError as exc:
            report.errors.append(RowIssue(row_no, str(exc)))
    importer.finish()
    return report
