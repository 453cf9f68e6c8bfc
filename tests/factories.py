"""Rows for tests, made through the same code paths the product uses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.context import Archive
from dangan.archive.models import Document, Household, StoredFile, Village


def pdf_bytes(text: str) -> bytes:
    """A real one-page PDF, made unique by `text` in its title: it opens and passes the
    filing checks' format tests."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stored_file(
    arc: Archive, session: Session, content: bytes, name: str = "scan.pdf"
) -> StoredFile:
    put = arc.store.put_bytes(content)
    row = session.scalar(select(StoredFile).where(StoredFile.sha256 == put.sha256))
    if row is None:
        row = StoredFile(
            sha256=put.sha256, size=put.size, original_name=name, media_type="application/pdf"
        )
        session.add(row)
        session.flush()
    return row


def village(session: Session, arc: Archive, code: str = "003", name: str = "白沙村") -> Village:
    row = Village(township=arc.township(session), code=code, name=name)
    session.add(row)
    session.flush()
    return row


def household(
    session: Session, village_row: Village, number: str = "017", head: str = "王建国"
) -> Household:
    row = Household(
        village=village_row, household_no=number, head_name=head, id_number="11010519491231002X"
    )
    session.add(row)
    session.flush()
    return row


def document(
    session: Session,
    arc: Archive,
    *,
    village_row: Village,
    household_row: Household | None,
    doc_type: str = "H01",
    year: int = 2018,
    content: bytes | None = None,
) -> Document:
    blob = (
        content
        if content is not None
        else pdf_bytes(f"{doc_type}-{year}-{dt.datetime.now().isoformat()}")
    )
    doc = Document(
        file=stored_file(arc, session, blob),
        doc_type=doc_type,
        year=year,
        date=dt.date(year, 3, 5),
        village=village_row,
        household=household_row,
        title="贫困户申请书",
        status="queued",
    )
    session.add(doc)
    session.flush()
    return doc
