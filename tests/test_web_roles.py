"""The role matrix: every route × every role (and no login): allowed, 403, or login.

Allowed means the request got past the permission check (any answer but 401/403, and
never a 5xx); the requests are chosen so that allowed ones change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from dangan.archive.context import init_archive
from dangan.web.app import create_app
from dangan.web.permissions import MATRIX
from tests.conftest import _empty_all_tables
from tests.e2e import world as w

ROLES = ["admin", "archivist", "inspector", "auditor"]


@dataclass
class Setup:
    world: w.World
    sessions: dict[str, TestClient]
    csrf: dict[str, str]
    anonymous: TestClient


@pytest.fixture(scope="module")
def setup(_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """One archive for the whole matrix: logging in (argon2) once per role."""
    _empty_all_tables(_migrated)
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("roles") / "home"
        mp.setenv("DANGAN_DATABASE_URL", _migrated)
        mp.setenv("DANGAN_HOME", str(home))
        for var, value in w.FAST_HASHING.items():
            mp.setenv(var, value)
        arc, _ = init_archive(home, fonds="Z105", township="桑村镇")
        world = w.build(arc)
        app = create_app(arc)
        sessions, tokens = {}, {}
        for role in ROLES:
            client = TestClient(app)
            w.login(client, role)
            sessions[role] = client
            tokens[role] = w.csrf_from(client.get("/account").text)
        yield Setup(world, sessions, tokens, TestClient(app))
        arc.close()
    _empty_all_tables(_migrated)


# (method, path, action, form or JSON body). {filed} and {review} are item ids.
PAGES = [
    ("GET", "/", "dashboard", None),
    ("GET", "/fragments/progress", "dashboard", None),
    ("GET", "/upload", "upload", None),
    ("GET", "/review", "review", None),
    ("GET", "/review/{review}", "review", None),
    ("GET", "/fragments/households?village=003", "review", None),
    ("GET", "/browse", "read", None),
    ("GET", "/browse/003", "read", None),
    ("GET", "/browse/003/017", "read", None),
    ("GET", "/docs/{filed}", "read", None),
    ("GET", "/docs/{filed}/pages/1.png", "read", None),
    ("GET", "/docs/{filed}/original", "read", None),
    ("GET", "/search?q=申请书", "read", None),
    ("GET", "/audit?village=003", "audit", None),
    ("GET", "/audit/report.xlsx?village=003", "audit", None),
    ("GET", "/catalog", "catalog", None),
    ("GET", "/catalog/download?village=003&format=csv", "catalog", None),
    ("GET", "/catalog/labels.pdf?village=003", "catalog", None),
    ("GET", "/checks", "checks", None),
    ("GET", "/transfer", "transfer", None),
    ("GET", "/journal", "journal", None),
    ("GET", "/users", "users", None),
    ("GET", "/account", "account", None),
    ("GET", "/retention", "retention", None),
    ("GET", "/retention/lists/1", "retention", None),  # no such list: 404
    # Form posts that are refused by the archive after the permission check.
    ("POST", "/review/{filed}", "review", {"household": "017"}),
    ("POST", "/docs/{filed}/refile", "refile", {"reason": ""}),
    ("POST", "/users", "users", {"username": "", "role": "admin"}),
    ("POST", "/users/nobody", "users", {"op": "save", "role": "admin"}),
    ("POST", "/account", "account", {"op": "nothing"}),
    ("POST", "/retention/holds", "retention_hold", {"reason": ""}),
    ("POST", "/retention/holds/1/release", "retention_hold", {"reason": ""}),
    ("POST", "/retention/lists", "retention_propose", {"village": "999"}),
    ("POST", "/retention/lists/1/extend", "retention_propose", {"document_id": "1"}),
    ("POST", "/retention/lists/1/approve", "retention_approve", {}),
    ("POST", "/retention/lists/1/reject", "retention_approve", {"reason": ""}),
    ("POST", "/retention/lists/1/destroy", "retention_destroy", {}),
    ("POST", "/checks", "run_checks", {"stage": "nowhen"}),
    ("POST", "/transfer", "transfer", {"village": "999"}),
]
API = [
    ("GET", "/api/me", "account", None),
    ("GET", "/api/docs", "read", None),
    ("GET", "/api/docs/{filed}", "read", None),
    ("GET", "/api/docs/{filed}/original", "read", None),
    ("GET", "/api/households", "read", None),
    ("GET", "/api/search?q=申请书", "read", None),
    ("GET", "/api/audit?village=003", "audit", None),
    ("GET", "/api/review", "review", None),
    ("GET", "/api/jobs/progress", "dashboard", None),
    ("GET", "/api/journal", "journal", None),
    ("GET", "/api/journal/verify", "journal", None),
    ("GET", "/api/users", "users", None),
    ("POST", "/api/ingest", "upload", None),  # no files: 422
    ("POST", "/api/review/{filed}/file", "review", {}),  # not in review: 400
    ("POST", "/api/review/{filed}/refile", "refile", {}),  # no reason: 422
    ("POST", "/api/users", "users", {"username": "x"}),  # no role: 422
    ("GET", "/api/retention/status", "retention", None),
    ("GET", "/api/retention/holds", "retention", None),
    ("GET", "/api/retention/lists", "retention", None),
    ("GET", "/api/retention/lists/1", "retention", None),  # no such list: 404
    ("GET", "/api/retention/lists/1/report.xlsx", "retention", None),
    ("GET", "/api/fixity", "dashboard", None),
    ("POST", "/api/retention/holds", "retention_hold", {}),  # no reason: 422
    ("POST", "/api/retention/holds/1/release", "retention_hold", {}),
    ("POST", "/api/retention/lists", "retention_propose", {"village": "999"}),  # 404
    ("POST", "/api/retention/extend", "retention_propose", {}),
    ("POST", "/api/retention/lists/1/approve", "retention_approve", None),  # 404
    ("POST", "/api/retention/lists/1/reject", "retention_approve", {}),
    ("POST", "/api/retention/lists/1/destroy", "retention_destroy", {}),
    ("POST", "/api/fixity", "fixity", {"max_seconds": 0}),
]


def _path(template: str, world: w.World) -> str:
    return template.format(filed=world.filed_id, review=world.review_id)


def _send(
    client: TestClient, method: str, path: str, body, csrf: str | None, api: bool, token=None
):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False)
    if api:
        return client.post(path, json=body, headers=headers, follow_redirects=False)
    data = {**(body or {}), **({"csrf_token": csrf} if csrf else {})}
    return client.post(path, data=data, follow_redirects=False)


def _check(response, allowed: bool, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if allowed:
        assert response.status_code not in (401, 403), f"{what}: {response.text[:300]}"
        if response.status_code in (302, 303, 307):
            assert not response.headers["location"].startswith("/login"), what
    else:
        assert response.status_code == 403, f"{what}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "action", "body"), PAGES, ids=[f"{m} {p}" for m, p, _, _ in PAGES]
)
def test_pages(setup: Setup, role, method, path, action, body):  # type: ignore[no-untyped-def]
    url = _path(path, setup.world)
    response = _send(setup.sessions[role], method, url, body, setup.csrf[role], api=False)
    _check(response, role in MATRIX[action], f"{role} {method} {url}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "action", "body"), API, ids=[f"{m} {p}" for m, p, _, _ in API]
)
def test_api_with_token(setup: Setup, role, method, path, action, body):  # type: ignore[no-untyped-def]
    url = _path(path, setup.world)
    response = _send(
        setup.anonymous, method, url, body, None, api=True, token=setup.world.tokens[role]
    )
    _check(response, role in MATRIX[action], f"{role} {method} {url}")


@pytest.mark.parametrize(
    ("method", "path", "action", "body"), PAGES, ids=[f"{m} {p}" for m, p, _, _ in PAGES]
)
def test_pages_anonymous_go_to_login(setup: Setup, method, path, action, body):  # type: ignore[no-untyped-def]
    response = _send(setup.anonymous, method, _path(path, setup.world), body, None, api=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("method", "path", "action", "body"), API, ids=[f"{m} {p}" for m, p, _, _ in API]
)
def test_api_anonymous_is_401(setup: Setup, method, path, action, body):  # type: ignore[no-untyped-def]
    response = _send(setup.anonymous, method, _path(path, setup.world), body, None, api=True)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_every_route_is_in_the_matrix(setup: Setup):  # type: ignore[no-untyped-def]
    """A new route must be added to this test (and so to the matrix)."""
    app = setup.anonymous.app
    covered = {p.split("?")[0] for _, p, _, _ in PAGES + API}
    open_routes = {"/login", "/logout", "/setup", "/api/openapi.json", "/static"}
    for route in app.routes:
        path = getattr(route, "path", None)
        if path is None or path in open_routes:
            continue
        normalised = path.replace("{document_id}", "{filed}").replace("{page_no}", "1")
        normalised = normalised.replace("{village_code}", "003").replace("{household_no}", "017")
        normalised = normalised.replace("{username}", "nobody").replace("{suffix}", "xlsx")
        normalised = normalised.replace("{list_id}", "1").replace("{hold_id}", "1")
        assert normalised in covered or normalised.replace("{filed}", "{review}") in covered, path


def test_inspector_menu_offers_no_changes(setup: Setup):  # type: ignore[no-untyped-def]
    page = setup.sessions["inspector"].get("/").text
    for label in ("上传", "待审核", "用户管理", "操作日志"):
        assert f">{label}</a>" not in page
    assert ">检索</a>" in page and ">档案浏览</a>" in page
