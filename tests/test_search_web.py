"""GET /api/search: the caller's villages limit the search itself; ID numbers in
snippets are masked for roles that may not see them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dangan.archive.context import Archive
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.test_cli import DOCUMENT_KEYS


@pytest.fixture
def world(arc: Archive) -> w.World:
    return w.build(arc)


@pytest.fixture
def app(arc: Archive, world: w.World) -> Iterator[FastAPI]:
    application = create_app(arc)
    yield application
    service = getattr(application.state, "search", None)
    if service is not None:
        service.close()  # the server's service keeps the index writer


def get(app: FastAPI, world: w.World, role: str, **params: object) -> dict:
    client = TestClient(app, headers={"Authorization": f"Bearer {world.tokens[role]}"})
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_json_over_http(app: FastAPI, world: w.World) -> None:
    body = get(app, world, "admin", q="贫困户申请书")
    assert list(body) == ["query", "total", "took_ms", "hits", "facets"]
    assert body["total"] == 2
    assert {h["id"] for h in body["hits"]} == {world.filed_id, world.other_id}
    assert all(list(h) == [*DOCUMENT_KEYS, "score", "snippet"] for h in body["hits"])
    assert {f["value"] for f in body["facets"]["village"]} == {"003", "004"}


def test_a_scoped_account_finds_only_its_villages(app: FastAPI, world: w.World) -> None:
    body = get(app, world, "inspector", q="贫困户申请书")
    assert [h["id"] for h in body["hits"]] == [world.filed_id]
    assert body["total"] == 1
    assert [f["value"] for f in body["facets"]["village"]] == ["003"]
    other = get(app, world, "archivist4", q="申请人", type="H01")
    assert [h["id"] for h in other["hits"]] == [world.other_id]


def test_id_numbers_in_snippets_follow_the_role(app: FastAPI, world: w.World) -> None:
    masked = get(app, world, "inspector", q=w.ID_WANG)
    assert [h["id"] for h in masked["hits"]] == [world.filed_id]
    assert w.ID_WANG not in masked["hits"][0]["snippet"]
    assert "110***********002X" in masked["hits"][0]["snippet"]
    full = get(app, world, "archivist", q=w.ID_WANG)
    assert f"<mark>{w.ID_WANG}</mark>" in full["hits"][0]["snippet"]


def test_filters_status_and_errors(app: FastAPI, world: w.World) -> None:
    review = get(app, world, "archivist", q="入户调查表", status="needs_review")
    assert [h["id"] for h in review["hits"]] == [world.review_id]
    assert get(app, world, "archivist", q="入户调查表", status="filed")["total"] == 0
    anyone = get(app, world, "archivist", q="入户调查表")  # in review, yet found, labelled
    assert [(h["id"], h["status"]) for h in anyone["hits"]] == [(world.review_id, "needs_review")]
    household = get(app, world, "admin", household="王建国")
    assert [h["id"] for h in household["hits"]] == [world.filed_id]
    client = TestClient(app, headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    assert client.get("/api/search", params={"q": "x", "village": "不存在村"}).status_code == 404
    assert client.get("/api/search", params={"q": "年度:去年"}).status_code == 400
    assert TestClient(app).get("/api/search", params={"q": "x"}).status_code == 401
