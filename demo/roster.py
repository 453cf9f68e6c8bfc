"""The roster (建档立卡贫困户花名册) as the township keeps it: XLSX in 花名册 style, or CSV.

The roster is the "information system" side of the consistency checks: it shows the
roster's own view where ``faults`` planted one (a mistyped ID number, a wrong member
count, a blank helper).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from dangan.demo.people import Household, Township

HEADERS = (
    "行政村",
    "村代码",
    "户编号",
    "户主姓名",
    "身份证号",
    "家庭人口",
    "识别年度",
    "脱贫年度",
    "致贫原因",
    "帮扶责任人",
    "帮扶人身份证号",
    "帮扶开始日期",
    "帮扶结束日期",
    "联系电话",
    "年人均纯收入",
)
_WIDTHS = (10, 7, 7, 9, 21, 8, 8, 8, 14, 10, 21, 13, 13, 13, 12)


def roster_row(t: Township, hh: Household) -> dict[str, Any]:
    """One household's row as the roster shows it (overrides applied)."""
    o = hh.roster_overrides
    helper = o.get("helper", hh.helper)
    return {
        "行政村": hh.village,
        "村代码": hh.village_code,
        "户编号": hh.household_no,
        "户主姓名": hh.head.name,
        "身份证号": o.get("id_number", hh.head.id_number),
        "家庭人口": o.get("members", hh.size),
        "识别年度": hh.identified_year,
        "脱贫年度": hh.exit_year,
        "致贫原因": hh.cause,
        "帮扶责任人": helper.name if helper else None,
        "帮扶人身份证号": helper.id_number if helper else None,
        "帮扶开始日期": hh.pairing_start if helper else None,
        "帮扶结束日期": hh.pairing_end if helper else None,
        "联系电话": hh.phone,
        "年人均纯收入": hh.incomes.get(t.record_year),
    }


def roster_rows(t: Township) -> list[dict[str, Any]]:
    return [roster_row(t, hh) for hh in t.households()]


def write_roster_xlsx(t: Township, path: Path | None = None) -> bytes:
    """The roster workbook: a merged title row, the header row, one row per household;
    ID numbers and codes as text, dates as Excel dates. Written to ``path`` when given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from dangan.demo.office import stable_zip

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    last = get_column_letter(len(HEADERS))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = f"{t.name}建档立卡贫困户花名册"
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, header in enumerate(HEADERS, 1):
        c = ws.cell(row=2, column=col, value=header)
        c.font = Font(name="宋体", size=11, bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS[col - 1]
    for r, row in enumerate(roster_rows(t), 3):
        for col, header in enumerate(HEADERS, 1):
            value = row[header]
            c = ws.cell(row=r, column=col, value=value)
            c.font = Font(name="宋体", size=11)
            c.border = border
            c.alignment = Alignment(horizontal="center", vertical="center")
            if header in ("村代码", "户编号", "身份证号", "帮扶人身份证号", "联系电话"):
                c.number_format = "@"
            elif isinstance(value, dt.date):
                c.number_format = "yyyy-mm-dd"
            elif header == "年人均纯收入":
                c.number_format = "0"
    ws.freeze_panes = "A3"
    when = dt.datetime(t.record_year, 12, 31, 16, 30, 0)
    wb.properties.creator = "Administrator"
    wb.properties.lastModifiedBy = "Administrator"
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)
    data = stable_zip(buf.getvalue(), when)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def write_roster_csv(t: Township, path: Path | None = None) -> bytes:
    """The same columns as CSV, UTF-8 with BOM and CRLF, dates as Excel exports them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADERS)
    for row in roster_rows(t):
        out = []
        for header in HEADERS:
            v = row[header]
            if isinstance(v, dt.date):
                v = f"{v.year}/{v.month}/{v.day}"
            out.append("" if v is None else str(v))
        w.writerow(out)
    data = buf.getvalue().encode("utf-8-sig")
    if path is not None:
        Path(path).write_bytes(data)
    return data
