"""A small archive with villages, households, items and one account per role, shared
by the web tests (in-process TestClient) and the browser test."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from dangan.archive import users
from dangan.archive.context import Archive
from dangan.archive.filing import file_document
from dangan.archive.models import Page
from tests import factories

PASSWORD = "correct-horse-9"
# Cheap argon2 for tests (the cost is configuration; the code path is the same).
FAST_HASHING = {
    "DANGAN_ARGON2_TIME_COST": "1",
    "DANGAN_ARGON2_MEMORY_KIB": "1024",
    "DANGAN_ARGON2_PARALLELISM": "1",
}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Import into a test module to hash passwords cheaply in its tests."""
    for name, value in FAST_HASHING.items():
        monkeypatch.setenv(name, value)


ID_WANG = "11010519491231002X"  # factories.household's ID number (valid check digit)

# username -> (role, villages)
ACCOUNTS: dict[str, tuple[str, list[str]]] = {
    "admin": ("admin", []),
    "archivist": ("archivist", ["003"]),
    "inspector": ("inspector", ["003"]),
    "auditor": ("auditor", []),
    "archivist4": ("archivist", ["004"]),
}


@dataclass
class World:
    filed_id: int  # H01 of household 003/017, filed; its text holds an ID number
    review_id: int  # an item of 003 waiting in review
    other_id: int  # an item of village 004, filed
    village_doc_id: int  # a village-level item of 003, filed, no personal data
    tokens: dict[str, str] = field(default_factory=dict)


def scan_png(lines: list[str]) -> bytes:
    """A small page image (PNG) holding `lines`."""
    from tests.pages import page

    buf = io.BytesIO()
    page(lines, dpi=60).save(buf, "PNG")
    return buf.getvalue()


def _doc(session, arc, village, household, doc_type, text, status="filed"):  # type: ignore[no-untyped-def]
    doc = factories.document(
        session,
        arc,
        village_row=village,
        household_row=household,
        doc_type=doc_type,
        content=scan_png([*text.splitlines(), f"#{doc_type}{village.code}{status}"]),
    )
    doc.file.media_type = "png"
    doc.pages = 1
    doc.date = dt.date(2018, 3, 5)
    session.add(Page(document=doc, page_no=1, text=text, confidence=0.9, engine="test"))
    session.flush()
    if status == "filed":
        file_document(session, doc, arc.scheme, actor="test", store=arc.store)
    else:
        doc.status = status
        doc.review_reasons = ["未能确定所属贫困户"]
        doc.confidence = 0.4
    return doc


def build(arc: Archive) -> World:
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        v4 = factories.village(session, arc, "004", "青山村")
        h17 = factories.household(session, v3, "017", "王建国")
        factories.household(session, v3, "018", "李桂芳")
        h21 = factories.household(session, v4, "021", "赵小红")
        filed = _doc(
            session,
            arc,
            v3,
            h17,
            "H01",
            f"贫困户申请书\n申请人: 王建国 身份证号 {ID_WANG}\n因病致贫",
        )
        review = _doc(session, arc, v3, None, "H02", "入户调查表\n户主姓名: 李桂芳", "needs_review")
        review.title = "入户调查表"
        other = _doc(session, arc, v4, h21, "H01", "贫困户申请书\n申请人: 赵小红")
        village_doc = _doc(session, arc, v3, None, "V02", "白沙村两委会会议记录\n研究危房改造")
        village_doc.title = "白沙村两委会会议记录"
        for name, (role, villages) in ACCOUNTS.items():
            users.create_user(
                session, name, role=role, password=PASSWORD, actor="test", villages=villages
            )
        world = World(filed.id, review.id, other.id, village_doc.id)
        for name in ACCOUNTS:
            world.tokens[name] = users.issue_token(session, name, actor="test")
    return world


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log `client` in through the real form (CSRF token taken from the page)."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_from(html: str) -> str:
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
