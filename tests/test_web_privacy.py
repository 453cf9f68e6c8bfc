"""Village scoping, ID-number masking and the journal of reads of personal data."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.archive.models import JournalEvent
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)

MASKED = "110***********002X"


@pytest.fixture
def world(arc):
    return w.build(arc)


@pytest.fixture
def app(arc, world):
    return create_app(arc)


def api(app, world, role: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {world.tokens[role]}"})


def reads(arc) -> list[JournalEvent]:
    with arc.db.read() as session:
        return list(
            session.scalars(select(JournalEvent).where(JournalEvent.action == "document.read"))
        )


def test_listing_is_limited_to_the_users_villages(app, world):
    inspector = {d["village_code"] for d in api(app, world, "inspector").get("/api/docs").json()}
    admin = {d["village_code"] for d in api(app, world, "admin").get("/api/docs").json()}
    assert inspector == {"003"} and admin == {"003", "004"}
    households = api(app, world, "archivist4").get("/api/households").json()
    assert [h["household_no"] for h in households] == ["021"]


@pytest.mark.parametrize(
    "url",
    ["/api/docs/{other}", "/api/docs/{other}/original", "/api/docs?village=004"],
)
def test_items_of_other_villages_are_forbidden(app, world, url):
    response = api(app, world, "inspector").get(url.format(other=world.other_id))
    assert response.status_code == 403
    assert "不在您负责的村范围内" in response.json()["detail"]


def test_pages_of_other_villages_are_forbidden(app, world):
    client = TestClient(app)
    w.login(client, "inspector")
    for url in (
        f"/docs/{world.other_id}",
        "/browse/004",
        "/browse/004/021",
        f"/docs/{world.other_id}/pages/1.png",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "无权访问" in response.text


def test_id_numbers_are_masked_for_inspectors_and_not_for_archivists(app, world):
    seen = api(app, world, "inspector").get(f"/api/docs/{world.filed_id}").json()
    assert MASKED in seen["text"] and w.ID_WANG not in seen["text"]
    [household] = [
        h
        for h in api(app, world, "inspector").get("/api/households").json()
        if h["household_no"] == "017"
    ]
    assert household["id_number"] == MASKED
    full = api(app, world, "archivist").get(f"/api/docs/{world.filed_id}").json()
    assert w.ID_WANG in full["text"]


def test_household_page_masks_for_inspector(app, world):
    client = TestClient(app)
    w.login(client, "inspector")
    page = client.get("/browse/003/017").text
    assert MASKED in page and w.ID_WANG not in page
    item = client.get(f"/docs/{world.filed_id}").text
    assert MASKED in item and w.ID_WANG not in item


def test_reads_of_personal_data_are_journaled(arc, app, world):
    api(app, world, "inspector").get(f"/api/docs/{world.filed_id}")
    client = TestClient(app)
    w.login(client, "auditor")
    client.get(f"/docs/{world.filed_id}")
    client.get(f"/docs/{world.filed_id}/original")
    # A village-level item without personal data is not journaled.
    client.get(f"/docs/{world.village_doc_id}")
    events = reads(arc)
    assert [(e.actor, e.entity_id, e.after["via"]) for e in events] == [
        ("inspector", str(world.filed_id), "api"),
        ("auditor", str(world.filed_id), "page"),
        ("auditor", str(world.filed_id), "download"),
    ]


def test_page_images_are_journaled_once_per_quiet_period(arc, app, world):
    client = TestClient(app)
    w.login(client, "inspector")
    for _ in range(3):
        response = client.get(f"/docs/{world.filed_id}/pages/1.png")
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert [e.after["via"] for e in reads(arc)] == ["image"]


def test_archivist_cannot_file_into_a_village_not_theirs(arc, app, world):
    client = api(app, world, "archivist4")
    response = client.post(f"/api/review/{world.review_id}/file", json={"village": "004"})
    assert response.status_code == 403
    own = api(app, world, "archivist")
    response = own.post(f"/api/review/{world.review_id}/file", json={"village": "004"})
    assert response.status_code == 403
    response = own.post(f"/api/review/{world.review_id}/file", json={"household": "018"})
    assert response.status_code == 200
    assert response.json()["archival_code"] == "Z105-FP·2018-Y-003·018-0001"


def test_upload_hints_outside_the_users_villages_are_forbidden(app, world):
    files = {"files": ("a.png", io.BytesIO(w.scan_png(["申请书"])), "image/png")}
    response = api(app, world, "archivist").post(
        "/api/ingest", files=files, data={"village": "004"}
    )
    assert response.status_code == 403


def test_inspector_cannot_change_anything(arc, app, world):
    client = api(app, world, "inspector")
    files = {"files": ("a.png", io.BytesIO(w.scan_png(["申请书"])), "image/png")}
    assert client.post("/api/ingest", files=files).status_code == 403
    assert client.post(f"/api/review/{world.review_id}/file", json={}).status_code == 403
    assert (
        client.post(f"/api/review/{world.filed_id}/refile", json={"reason": "x"}).status_code == 403
    )
    with arc.db.read() as session:
        changes = session.scalars(
            select(JournalEvent.action).where(JournalEvent.actor == "inspector")
        ).all()
    assert set(changes) <= {"document.read", "household.read", "auth.login"}
