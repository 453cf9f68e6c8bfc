"""Accounts, sessions, tokens, CSRF, login rate limiting and the first-run page."""

from __future__ import annotations

import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.archive import users
from dangan.archive.models import JournalEvent, User
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)

LOCAL = ("127.0.0.1", 50000)


@pytest.fixture
def app(arc):
    return create_app(arc)


@pytest.fixture
def world(arc):
    return w.build(arc)


def _events(arc, action):
    with arc.db.read() as session:
        return list(session.scalars(select(JournalEvent).where(JournalEvent.action == action)))


def test_passwords_are_argon2_hashes_and_tokens_are_not_stored(arc, world):
    with arc.db.read() as session:
        row = session.scalar(select(User).where(User.username == "admin"))
        assert row.password_hash.startswith("$argon2")
        assert w.PASSWORD not in row.password_hash
        assert row.token_hash != world.tokens["admin"] and len(row.token_hash) == 64


def test_secret_key_is_made_once_and_private(arc):
    create_app(arc)
    key = arc.settings.home / "secret.key"
    first = key.read_text()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    create_app(arc)
    assert key.read_text() == first


def test_login_sets_a_signed_httponly_samesite_cookie_and_is_journaled(arc, app, world):
    client = TestClient(app)
    token = w.csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "archivist",
            "password": w.PASSWORD,
            "csrf_token": token,
            "next": "/review",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/review"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("dangan_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/").status_code == 200
    [event] = _events(arc, "auth.login")
    assert event.actor == "archivist"


def test_wrong_password_is_refused_and_journaled(arc, app, world):
    client = TestClient(app)
    token = w.csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "archivist", "password": "nope-nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert [e.entity_id for e in _events(arc, "auth.login_failed")] == ["archivist"]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(arc, app, world, monkeypatch):
    client = TestClient(app)
    token = w.csrf_from(client.get("/login").text)
    for _ in range(5):
        bad = client.post(
            "/login", data={"username": "inspector", "password": "x" * 9, "csrf_token": token}
        )
        assert bad.status_code == 401
    blocked = client.post(
        "/login", data={"username": "inspector", "password": w.PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "次数过多" in blocked.text and int(blocked.headers["retry-after"]) > 0
    # Even the right password is refused while blocked, and nothing was journaled for it.
    assert len(_events(arc, "auth.login")) == 0


def test_login_form_without_csrf_token_is_refused(app, world):
    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": w.PASSWORD})
    assert response.status_code == 403
    response = client.post(
        "/login", data={"username": "admin", "password": w.PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "wrong"])
def test_logged_in_form_post_needs_the_csrf_token(arc, app, world, token):
    client = TestClient(app)
    w.login(client, "archivist")
    data = {"doc_type": "H02", "village": "003", "household": "018"}
    if token:
        data["csrf_token"] = token
    response = client.post(f"/review/{world.review_id}", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text
    with arc.db.read() as session:
        from dangan.archive.models import Document

        assert session.get(Document, world.review_id).status == "needs_review"
    # The same form with the page's token goes through.
    page = client.get(f"/review/{world.review_id}").text
    data["csrf_token"] = w.csrf_from(page)
    ok = client.post(f"/review/{world.review_id}", data=data, follow_redirects=False)
    assert ok.status_code == 303


def test_api_with_session_cookie_needs_csrf_header_but_token_does_not(arc, app, world):
    client = TestClient(app)
    w.login(client, "archivist")
    url = f"/api/review/{world.review_id}/file"
    body = {"village": "003", "household": "018"}
    assert client.post(url, json=body).status_code == 403
    bearer = TestClient(app)
    response = bearer.post(
        url, json=body, headers={"Authorization": f"Bearer {world.tokens['archivist']}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["archival_code"] == "Z105-FP·2018-Y-003·018-0001"


def test_bad_token_is_401(app, world):
    client = TestClient(app)
    for header in ("Bearer dg_nope", "Bearer ", "Basic abc"):
        assert client.get("/api/docs", headers={"Authorization": header}).status_code in (401, 403)
    assert client.get("/api/docs").status_code == 401


def test_password_change_ends_other_sessions(arc, app, world):
    client = TestClient(app)
    w.login(client, "inspector")
    assert client.get("/api/me").json()["role"] == "inspector"
    with arc.db.write() as session:
        users.set_password(session, "inspector", "another-pass-1", actor="admin")
    assert client.get("/api/me").status_code == 401
    w.login(client, "inspector", "another-pass-1")
    assert client.get("/api/me").status_code == 200


def test_disabled_account_cannot_log_in_or_use_its_token(arc, app, world):
    with arc.db.write() as session:
        users.update_user(session, "inspector", actor="admin", active=False)
    client = TestClient(app)
    token = w.csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "inspector", "password": w.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    headers = {"Authorization": f"Bearer {world.tokens['inspector']}"}
    assert client.get("/api/me", headers=headers).status_code == 401


def test_logout_ends_the_session(app, world):
    client = TestClient(app)
    w.login(client, "auditor")
    page = client.get("/").text
    response = client.post(
        "/logout", data={"csrf_token": w.csrf_from(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_first_run_page_creates_the_admin_from_localhost_only(arc, app):
    remote = TestClient(app)
    assert remote.get("/", follow_redirects=True).url.path == "/setup"
    page = remote.get("/setup").text
    assert "只能在运行本系统的电脑上" in page
    refused = remote.post(
        "/setup",
        data={
            "username": "boss",
            "password": "p" * 10,
            "password2": "p" * 10,
            "csrf_token": w.csrf_from(page),
        },
    )
    assert refused.status_code == 403
    local = TestClient(app, client=LOCAL, base_url="http://127.0.0.1:8000")
    page = local.get("/setup").text
    response = local.post(
        "/setup",
        data={
            "username": "boss",
            "display_name": "乡长",
            "password": "secret-pass-1",
            "password2": "secret-pass-1",
            "csrf_token": w.csrf_from(page),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert local.get("/api/me").json()["role"] == "admin"
    # Once a user exists, the page is gone.
    assert local.get("/setup", follow_redirects=False).headers["location"] == "/login"
    [event] = _events(arc, "user.create")
    assert event.entity_id == "boss" and event.after["role"] == "admin"


def test_user_changes_are_journaled(arc, world):
    with arc.db.write() as session:
        users.update_user(session, "inspector", actor="admin", villages=["004"])
    [event] = _events(arc, "user.update")
    assert event.actor == "admin"
    assert event.before["villages"] == ["003"] and event.after["villages"] == ["004"]
    assert {e.entity_id for e in _events(arc, "user.create")} == set(w.ACCOUNTS)
