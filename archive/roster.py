"""Import of the registered-household roster (建档立卡户花名册) from CSV or XLSX.

Headers are matched by synonym wherever the header row sits (real rosters carry a
title row above it). Re-import updates households in place and journals each
change; a row with an invalid ID number or a missing required field is reported
with its row number and reason, and the other rows still import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
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
REQUIRED = ("village", "head_name", "id_number")
LABELS = {
    "village": "行政村",
    "head_name": "户主姓名",
    "id_number": "身份证号",
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


def _norm_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\(.*?\)$", "", text)  # "年人均纯收入(元)" names the same column


_LOOKUP = {_norm_header(s): key for key, names in SYNONYMS.items() for s in names}


@dataclass
class RowIssue:
    row: int
    reason: str

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
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "villages_created": self.villages_created,
            "errors": [{"row": e.row, "reason": e.reason} for e in self.errors],
            "warnings": [{"row": w.row, "reason": w.reason} for w in self.warnings],
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
        raise ValueError(f"年度无法识别: {text}")
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
        raise ValueError(f"日期无法识别: {text}")
    return dt.date(*(int(g) for g in match.groups()))


def _int(cell: Cell) -> int | None:
    text = re.sub(r"[人口]", "", _text(cell))
    return int(float(text)) if text else None


def _money(cell: Cell) -> float | None:
    text = re.sub(r"[元,，\s]", "", _text(cell))
    return float(text) if text else None


def _parse_row(cells: dict[str, Cell]) -> dict[str, Any]:
    """Field values of one row; raises ValueError with the Chinese reason."""

    def get(key: str) -> Cell:
        return cells.get(key, Cell(None))

    missing = [LABELS[k] for k in REQUIRED if not _text(get(k))]
    if missing:
        raise ValueError(f"缺少必填项 {'、'.join(missing)}")
    id_cell = get("id_number")
    if isinstance(id_cell.value, float | int):
        raise ValueError("身份证号被存成了数字(精度已丢失), 请将该列设为文本后重新导出")
    id_number = idnumber.normalise(_text(id_cell))
    reason = idnumber.why_invalid(id_number)
    if reason:
        raise ValueError(f"{reason}: {id_number}")
    return {
        "village": _text(get("village")),
        "village_code": _code(get("village_code")) or None,
        "household_no": _code(get("household_no")) or None,
        "head_name": _text(get("head_name")),
        "id_number": id_number,
        "members": _int(get("members")),
        "identification_year": _year(get("identification_year")),
        "exit_year": _year(get("exit_year")),
        "poverty_cause": _text(get("poverty_cause")) or None,
        "phone": _text(get("phone")) or None,
        "annual_income": _money(get("annual_income")),
        "helper_name": _text(get("helper_name")) or None,
        "helper_id": idnumber.normalise(_text(get("helper_id"))) or None,
        "pairing_start": _date(get("pairing_start")),
        "pairing_end": _date(get("pairing_end")),
    }


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
        self.by_id_number = {h.id_number: h for h in self.households.values()}
        self.helpers_by_id = {
            h.id_number: h for h in session.scalars(select(Helper)) if h.id_number is not None
        }
        self.helpers_by_name = {
            h.name: h for h in session.scalars(select(Helper).where(Helper.id_number.is_(None)))
        }

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

    def village(self, code: str | None, name: str) -> Village:
        if code is None:
            named = [v for v in self.villages.values() if v.name == name]
            if named:
                return named[0]
            numbers = [int(c) for c in self.villages if c.isdigit()]
            code = str(max(numbers, default=0) + 1).zfill(3)
        village = self.villages.get(code)
        if village is None:
            village = Village(township=self.township, code=code, name=name)
            self.s.add(village)
            self.s.flush()
            self.villages[code] = village
            self.report.villages_created += 1
            self._log("village.create", "village", village.id, None, {"code": code, "name": name})
        elif village.name != name:
            raise ValueError(f"村代码 {code} 已属于 {village.name}, 与本行的 {name} 不符")
        return village

    def household(self, row_no: int, values: dict[str, Any]) -> None:
        village = self.village(values["village_code"], values["village"])
        number = values["household_no"]
        owner = self.by_id_number.get(values["id_number"])
        if number is None:
            if owner is not None and owner.village_id == village.id:
                number = owner.household_no
            else:
                taken = [
                    int(n) for (vid, n) in self.households if vid == village.id and n.isdigit()
                ]
                number = str(max(taken, default=0) + 1).zfill(3)
        household = self.households.get((village.id, number))
        if owner is not None and owner is not household:
            raise ValueError(
                f"身份证号 {values['id_number']} 已登记为 "
                f"{owner.village.name} {owner.household_no} 户({owner.head_name})"
            )
        new = {k: values[k] for k in HOUSEHOLD_FIELDS}
        if household is None:
            household = Household(village=village, household_no=number, **new)
            self.s.add(household)
            self.s.flush()
            self.households[(village.id, number)] = household
            self.by_id_number[household.id_number] = household
            self.report.created += 1
            after = {"village_code": village.code, "household_no": number, **new}
            self._log("household.create", "household", household.id, None, after)
        else:
            old = {k: getattr(household, k) for k in HOUSEHOLD_FIELDS}
            changed = {k for k in HOUSEHOLD_FIELDS if old[k] != new[k]}
            if changed:
                for key in changed:
                    setattr(household, key, new[key])
                self.by_id_number.pop(old["id_number"], None)
                self.by_id_number[household.id_number] = household
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
        if values["helper_name"]:
            self.pairing(row_no, household, values)

    def helper(self, row_no: int, name: str, id_number: str | None) -> Helper:
        if id_number and idnumber.why_invalid(id_number):
            self.report.warnings.append(
                RowIssue(row_no, f"帮扶人 {name} 的身份证号无效({id_number}), 仅按姓名登记")
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
        start, end = values["pairing_start"], values["pairing_end"]
        existing = next(
            (
                p
                for p in household.pairings
                if p.helper_id == helper.id and (p.start_date == start or p.start_date is None)
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
        elif (existing.start_date, existing.end_date) != (start, end):
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
    seen: dict[str, int] = {}
    for row_no, cells in rows:
        report.rows += 1
        try:
            values = _parse_row(cells)
            if values["id_number"] in seen:
                raise ValueError(f"身份证号与第 {seen[values['id_number']]} 行重复")
            seen[values["id_number"]] = row_no
            with session.begin_nested():
                importer.household(row_no, values)
        except ValueError as exc:
            report.errors.append(RowIssue(row_no, str(exc)))
    return report
