"""The JSON API beside the command line: ingest, review, refile, progress, journal, users."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.archive.models import Document, JournalEvent
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)
from tests.test_cli import DOCUMENT_KEYS


@pytest.fixture
def world(arc):
    return w.build(arc)


@pytest.fixture
def app(arc, world):
    return create_app(arc)


def client(app, world, role: str = "archivist") -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {world.tokens[role]}"})


def test_ingest_reports_each_file_queued_duplicate_or_failed(arc, app, world):
    scan = w.scan_png(["贫困户申请书", "申请人: 李桂芳"])
    files = [
        ("files", ("村/申请书.png", io.BytesIO(scan), "image/png")),
        ("files", ("副本.png", io.BytesIO(scan), "image/png")),
        ("files", ("说明.txt", io.BytesIO("不是扫描件".encode()), "text/plain")),
    ]
    response = client(app, world).post("/api/ingest", files=files, data={"household": "018"})
    assert response.status_code == 201, response.text
    body = response.json()
    outcomes = [(r["name"], r["outcome"]) for r in body["received"]]
    assert outcomes == [
        ("村/申请书.png", "queued"),
        ("副本.png", "duplicate"),
        ("说明.txt", "failed"),
    ]
    assert body["summary"] == {"queued": 1, "duplicate": 1, "failed": 1}
    assert "副本.png" in body["received"][1]["message"]
    assert "说明.txt" in body["received"][2]["message"] or body["received"][2]["message"]
    first = body["received"][0]["document_id"]
    with arc.db.read() as session:
        doc = session.get(Document, first)
        assert doc.status == "queued"
        # The hint and the uploader travel with the item; the journal names the user.
        assert doc.extra["hint_village"] == "003" and doc.extra["hint_household"] == "018"
        assert doc.extra["uploaded_by"] == "archivist"
        actor = session.scalar(
            select(JournalEvent.actor).where(
                JournalEvent.action == "document.receive", JournalEvent.entity_id == str(first)
            )
        )
    assert actor == "archivist"


def test_ingest_with_a_single_village_account_hints_its_village(arc, app, world):
    response = client(app, world, "archivist4").post(
        "/api/ingest", files={"files": ("x.png", io.BytesIO(w.scan_png(["会议记录"])), "image/png")}
    )
    [got] = response.json()["received"]
    with arc.db.read() as session:
        assert session.get(Document, got["document_id"]).extra["hint_village"] == "004"


def test_ingest_names_an_unknown_household(app, world):
    response = client(app, world).post(
        "/api/ingest",
        files={"files": ("x.png", io.BytesIO(b"x"), "image/png")},
        data={"village": "003", "household": "999"},
    )
    assert response.status_code == 404
    assert "999" in response.json()["detail"]


def test_progress_counts_queued_items(app, world):
    c = client(app, world)
    c.post("/api/ingest", files={"files": ("p.png", io.BytesIO(w.scan_png(["表"])), "image/png")})
    progress = c.get("/api/jobs/progress").json()
    assert progress["queued"] == 1 and progress["jobs_pending"] == 1
    assert progress["statuses"]["filed"] == 2 and progress["statuses"]["needs_review"] == 1
    # the batch: items received since the oldest one still waiting, not the whole archive
    assert (progress["batch_done"], progress["batch_total"]) == (0, 1)
    c.post("/api/ingest", files={"files": ("q.png", io.BytesIO(w.scan_png(["页"])), "image/png")})
    progress = c.get("/api/jobs/progress").json()
    assert (progress["batch_done"], progress["batch_total"]) == (0, 2)


def test_review_list_file_and_refile(arc, app, world):
    c = client(app, world)
    [row] = c.get("/api/review").json()
    assert row["id"] == world.review_id and row["reasons"] == ["未能确定所属贫困户"]
    filed = c.post(
        f"/api/review/{world.review_id}/file", json={"type": "H02", "household": "018"}
    ).json()
    assert filed["status"] == "filed" and filed["household_head"] == "李桂芳"
    assert c.get("/api/review").json() == []
    again = c.post(f"/api/review/{world.review_id}/file", json={})
    assert again.status_code == 400 and "不在待审核队列" in again.json()["detail"]
    moved = c.post(
        f"/api/review/{world.review_id}/refile", json={"household": "017", "reason": "户主认错"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["former_code"] == filed["archival_code"]
    assert moved.json()["archival_code"] == "Z105-FP·2018-Y-003·017-0002"  # 0001 is taken
    with arc.db.read() as session:
        actions = session.scalars(
            select(JournalEvent.action).where(JournalEvent.actor == "archivist")
        ).all()
    assert {"document.review", "document.refile", "document.file"} <= set(actions)


def test_docs_keep_the_design_shape(app, world):
    docs = client(app, world, "admin").get("/api/docs", params={"village": "003"}).json()
    keys = set(DOCUMENT_KEYS)
    assert all(set(d) == keys for d in docs)
    one = client(app, world, "admin").get(f"/api/docs/{world.filed_id}").json()
    assert set(one) == keys | {"text"}


def test_journal_and_users_for_the_right_roles(app, world):
    auditor = client(app, world, "auditor")
    assert auditor.get("/api/journal/verify").json()["ok"] is True
    events = auditor.get("/api/journal", params={"action": "user.create"}).json()
    assert {e["entity_id"] for e in events} == set(w.ACCOUNTS)
    admin = client(app, world, "admin")
    made = admin.post(
        "/api/users", json={"username": "li", "role": "inspector", "villages": ["白沙村"]}
    )
    assert made.status_code == 201
    assert made.json()["villages"] == ["003"] and len(made.json()["password"]) == 12
    dup = admin.post("/api/users", json={"username": "li", "role": "inspector"})
    assert dup.status_code == 400 and "已存在" in dup.json()["detail"]
    bad = admin.post("/api/users", json={"username": "x", "role": "boss"})
    assert bad.status_code == 400 and "角色" in bad.json()["detail"]


def test_openapi_describes_every_api_route(app):
    spec = TestClient(app).get("/api/openapi.json").json()
    assert {
        "/api/ingest",
        "/api/review",
        "/api/review/{document_id}/file",
        "/api/review/{document_id}/refile",
        "/api/jobs/progress",
        "/api/docs",
        "/api/docs/{document_id}",
        "/api/households",
    } <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert not any(p.startswith("/review") or p == "/" for p in spec["paths"])
