"""Helpers for the backup tests: a second database to restore into, uploads that
file quickly (Word files: no OCR), and what an archive holds, to compare two."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import docx
from sqlalchemy import create_engine, make_url, select, text

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.models import Document, JournalEvent
from dangan.archive.roster import import_roster
from dangan.ingest.receive import Hints, check_hints, receive_stream
from tests.conftest import DATA

# (village, household, head, ID number) of tests/data/roster.xlsx
HOUSEHOLDS = [
    ("001", "001", "王建国", "411081196203150010"),
    ("001", "002", "张秀英", "411081195807200029"),
]
FORMS = [
    ("贫困户申请书", "本人申请纳入建档立卡贫困户"),
    ("扶贫手册", "帮扶措施: 产业扶持 发放鸡苗50只"),
    ("结对帮扶登记表", "帮扶责任人: 李明"),
]


def word_form(n: int) -> tuple[str, bytes]:
    """The n-th upload: a form of a roster household, different bytes every time."""
    village, number, head, id_number = HOUSEHOLDS[n % len(HOUSEHOLDS)]
    title, body = FORMS[n % len(FORMS)]
    document = docx.Document()
    lines = (title, f"户主姓名: {head}", f"身份证号: {id_number}", body, "日期: 2018年3月5日")
    for line in (*lines, f"编号 {n}"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return f"{village}_{number}_{n}_{title}.docx", out.getvalue()


def import_test_roster(arc: Archive) -> None:
    with arc.db.write() as session:
        import_roster(session, arc.township(session), DATA / "roster.xlsx", actor="t")


def upload(arc: Archive, n: int) -> int:
    name, content = word_form(n)
    village, number, _head, _id = HOUSEHOLDS[n % len(HOUSEHOLDS)]
    extra = check_hints(arc, Hints(village, number))
    [got] = receive_stream(arc, io.BytesIO(content), name, actor="t", extra=extra)
    assert got.document_id is not None, got
    return got.document_id


def items(arc: Archive) -> list[tuple[int, str | None, str, str]]:
    """(id, archival code, status, sha256) of every item."""
    with arc.db.read() as session:
        docs = session.scalars(select(Document).order_by(Document.id)).all()
        return [(d.id, d.archival_code, d.status, d.file.sha256) for d in docs]


def journal_hashes(arc: Archive) -> list[tuple[int, str, str]]:
    with arc.db.read() as session:
        events = session.scalars(select(JournalEvent).order_by(JournalEvent.seq)).all()
        assert journal.verify(session)[1] == []
        return [(e.seq, e.action, e.hash) for e in events]


class Databases:
    """Fresh databases of the kind the tests run on (a SQLite file in the new home, or a
    new PostgreSQL database on the test server), dropped at the end."""

    def __init__(self) -> None:
        self.server = os.environ.get("DANGAN_TEST_DATABASE_URL")
        self.made: list[str] = []

    def fresh(self, home: Path) -> str:
        if not self.server:
            return f"sqlite:///{home / 'dangan.db'}"
        name = f"dangan_r_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.made.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.made:
            return
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
        with admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def databases() -> Iterator[Databases]:
    made = Databases()
    yield made
    made.drop_all()
