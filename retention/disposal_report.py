"""The 销毁清册 as printed: one content (cover and rows) written as XLSX (openpyxl),
DOCX (python-docx) and an A4 PDF (WeasyPrint from templates/disposal_list.html).

Cover: 全宗号、全宗名称、清册编号、数量、鉴定小组、批准人、监销人 and their dates; rows:
序号、题名、年度、档号、应保管期限、已保管期限、页数、备注. Every print carries the
journal's head (number, hash, time) so that a paper copy anchors the chain
(`dangan journal verify --anchor HASH`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.models import DisposalList, JournalEvent, User
from dangan.archive.scheme import Scheme
from dangan.retention.periods import years_kept

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
COLUMNS = ("序号", "题名", "年度", "档号", "应保管期限", "已保管期限", "页数", "备注")
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
STATUS_TITLES = {
    "draft": "草稿(待批准)",
    "approved": "已批准, 待销毁",
    "rejected": "已驳回",
    "destroyed": "已销毁",
}
# What XML 1.0 (XLSX, DOCX) cannot hold; titles come from OCR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _clean(value: Any) -> str:
    return _CONTROL.sub("", str(value if value is not None else ""))


def _china(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment.replace(tzinfo=dt.UTC).astimezone(CHINA_TIME):%Y-%m-%d %H:%M} 北京时间"


def list_content(session: Session, row: DisposalList, scheme: Scheme) -> dict[str, Any]:
    names: dict[str, str | None] = {
        u: n for u, n in session.execute(select(User.username, User.display_name))
    }

    def person(username: str | None) -> str:
        if not username:
            return ""
        shown = names.get(username)
        return f"{shown}({username})" if shown and shown != username else username

    seq, digest = journal.head(session)
    head_event = session.get(JournalEvent, seq) if seq else None
    counted = [i for i in row.items if i.status != "extended"]
    kept_on = (row.destroyed_at or row.proposed_at).date()
    cover = [
        ("全宗号", row.township.fonds),
        ("全宗名称", row.township.name),
        ("范围", f"{row.village.code} {row.village.name}" if row.village else "全部村"),
        ("清册编号", row.number),
        ("状态", STATUS_TITLES[row.status]),
        ("数量", f"{len(counted)} 件, {sum(i.pages for i in counted)} 页"),
        ("鉴定小组", person(row.proposed_by)),
        ("鉴定日期", _china(row.proposed_at)),
        ("批准人" if row.status != "rejected" else "驳回人", person(row.decided_by)),
        ("批准日期" if row.status != "rejected" else "驳回日期", _china(row.decided_at)),
    ]
    if row.reject_reason:
        cover.append(("驳回原因", row.reject_reason))
    cover += [
        ("监销人", "、".join(person(w["username"]) for w in row.witnesses or [])),
        ("销毁执行人", person(row.destroyed_by)),
        ("销毁日期", _china(row.destroyed_at)),
    ]
    rows = [
        (
            i.position,
            i.title,
            i.year,
            i.archival_code,
            scheme.retention_names.get(i.retention, i.retention),
            f"{years_kept(i.year, kept_on)} 年",
            i.pages,
            i.remarks or ("已销毁" if i.status == "destroyed" else ""),
        )
        for i in row.items
    ]
    return {
        "title": f"{row.township.name}档案销毁清册",
        "number": row.number,
        "cover": [(k, _clean(v)) for k, v in cover],
        "rows": [tuple(_clean(v) if isinstance(v, str) else v for v in r) for r in rows],
        "journal_seq": seq,
        "journal_hash": digest,
        "journal_at": _china(head_event.at if head_event else None),
        "printed": _china(dt.datetime.now(dt.UTC).replace(tzinfo=None)),
    }


def render(content: dict[str, Any], suffix: str) -> bytes:
    return {"xlsx": _xlsx, "docx": _docx, "pdf": _pdf}[suffix](content)


def _anchor(content: dict[str, Any]) -> str:
    return (
        f"操作日志头: 第 {content['journal_seq']} 条 {content['journal_hash']}"
        f"({content['journal_at']}); 打印于 {content['printed']}"
    )


def _xlsx(content: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "销毁清册"
    ws.append([content["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    for key, value in content["cover"]:
        ws.append([key, value])
    ws.append([_anchor(content)])
    ws.append([])
    ws.append(list(COLUMNS))
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for values in content["rows"]:
        ws.append(list(values))
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # an OCR'd "=" stays text, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGH", (6, 40, 7, 30, 12, 10, 6, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _docx(content: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(18)
    for style in ("Normal", "Title"):
        fonts = doc.styles[style].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
        fonts.set(qn("w:eastAsia"), "宋体")
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_paragraph(content["title"], style="Title")
    cover = doc.add_table(rows=0, cols=2)
    cover.style = "Table Grid"
    for key, value in content["cover"]:
        cells = cover.add_row().cells
        cells[0].text, cells[1].text = key, value
    doc.add_paragraph(_anchor(content)).runs[0].font.size = Pt(8)
    # the rows made at once and walked once: add_row() per row grows slower with the table
    table = doc.add_table(rows=len(content["rows"]) + 1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for row, values in zip(table.rows, [COLUMNS, *content["rows"]], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = str(value)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf(content: dict[str, Any]) -> bytes:
    import jinja2
    from PIL import ImageFile

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("disposal_list.html").render(c=content, columns=COLUMNS)
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES on import; ingest in the same
    # process must not take a cut-off scan for a whole one.
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint.HTML(
        string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=())
    ).write_pdf()
