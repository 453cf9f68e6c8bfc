"""Nothing but a witnessed disposal removes or overwrites a filed item's content.

Walks every route of the app (the OpenAPI operations with each role's API token, the
pages' routes with each role's session) and every command of `dangan` that takes an
argument, pointing each at filed items (one permanent, one whose period has ended),
with plausible bodies; afterwards each item's blob is in the store with its hash, its
text is unchanged and it is still filed. Then the same bytes uploaded again after a
real disposal are not brought back, and a pipeline step on a filed item is refused."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.archive.errors import DanganError
from dangan.archive.filing import file_document
from dangan.archive.models import Document, Page
from dangan.web.app import create_app
from tests import factories
from tests.e2e import world as w
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401

ROLES = ["admin", "archivist", "inspector", "auditor"]


def _snapshot(arc, ids):  # type: ignore[no-untyped-def]
    with arc.db.read() as session:
        out = {}
        for doc_id in ids:
            doc = session.get(Document, doc_id)
            text = [p.text for p in session.scalars(select(Page).where(Page.document_id == doc_id))]
            out[doc_id] = (doc.status, doc.file.sha256, text)
        return out


def _assert_content_kept(arc, before) -> None:  # type: ignore[no-untyped-def]
    after = _snapshot(arc, before)
    for doc_id, (_status, sha, text) in before.items():
        assert after[doc_id][0] == "filed", (doc_id, after[doc_id][0])
        assert after[doc_id][1] == sha and after[doc_id][2] == text, doc_id
        assert arc.store.verify(sha), f"blob of {doc_id} gone or changed"


@pytest.fixture
def targets(arc):  # type: ignore[no-untyped-def]
    world = w.build(arc)
    with arc.db.write() as session:
        h17 = session.get(Document, world.filed_id).household
        old = factories.document(
            session,
            arc,
            village_row=h17.village,
            household_row=h17,
            doc_type="H12",
            year=2005,
        )
        old.pages = 1
        session.add(Page(document=old, page_no=1, text="帮扶联系卡 2005", engine="test"))
        session.flush()
        file_document(session, old, arc.scheme, actor="test", store=arc.store)
        old_id = old.id
    return world, [world.filed_id, old_id]


def _fill(path: str, doc_id: int) -> str:
    values = {
        "document_id": str(doc_id),
        "list_id": "1",
        "hold_id": "1",
        "suffix": "pdf",
        "username": "admin",
        "page_no": "1",
        "village_code": "003",
        "household_no": "017",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def _body(doc_id: int) -> dict:  # type: ignore[type-arg]
    """Fields any write route might take, all aimed at the item."""
    return {
        "documents": [doc_id],
        "document_id": doc_id,
        "reason": "路由遍历测试",
        "years": 1,
        "type": "H02",
        "village": "003",
        "household": "018",
        "year": 2019,
        "witnesses": [
            {"username": "inspector", "password": PASSWORD},
            {"username": "auditor", "password": PASSWORD},
        ],
        "max_seconds": 1,
        "username": "walker",
        "role": "admin",
    }


def test_every_route_leaves_filed_content(arc, targets):  # type: ignore[no-untyped-def]
    world, ids = targets
    before = _snapshot(arc, ids)
    app = create_app(arc)
    client = TestClient(app)
    seen = 0
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            for role in ROLES:
                for doc_id in ids:
                    url = _fill(path, doc_id)
                    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
                    if path == "/api/ingest":
                        with arc.db.read() as session:
                            sha = session.get(Document, doc_id).file.sha256
                        files = {"files": ("again.pdf", arc.store.read_bytes(sha))}
                        response = client.post(url, headers=headers, files=files)
                    else:
                        response = client.request(
                            method.upper(), url, headers=headers, json=_body(doc_id)
                        )
                    assert response.status_code < 500, (url, response.text[:300])
                    seen += 1
    assert seen > 100
    # the pages, with a session per role (form posts carry the CSRF token)
    for role in ROLES:
        browser = TestClient(app)
        w.login(browser, role)
        csrf = w.csrf_from(browser.get("/account").text)
        for route in app.routes:
            path = getattr(route, "path", "")
            if path.startswith(("/api", "/static", "/login", "/logout", "/setup")):
                continue
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                for doc_id in ids:
                    url = _fill(path, doc_id)
                    data = {k: str(v) for k, v in _body(doc_id).items() if not isinstance(v, list)}
                    data.update(
                        csrf_token=csrf,
                        documents=str(doc_id),
                        witness1="inspector",
                        password1=PASSWORD,
                        witness2="auditor",
                        password2=PASSWORD,
                    )
                    response = browser.request(method, url, data=data, follow_redirects=False)
                    assert response.status_code < 500, (url, response.text[:300])
    _assert_content_kept(arc, before)


def _leaf_commands(command, prefix=()):  # type: ignore[no-untyped-def]
    # typer carries its own copy of click: commands are told apart by what they have
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaf_commands(sub, (*prefix, name))
    else:
        yield prefix, command


def test_every_command_taking_an_argument_leaves_filed_content(
    arc, targets, tmp_path: Path, monkeypatch
):  # type: ignore[no-untyped-def]
    from dangan.cli.main import app as cli_app

    world, ids = targets
    before = _snapshot(arc, ids)
    monkeypatch.setenv("DANGAN_TOKEN", world.tokens["admin"])
    root = typer.main.get_command(cli_app)
    runner = CliRunner()
    walked = []
    for names, command in _leaf_commands(root):
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        if not arguments:
            continue
        for doc_id in ids:
            with arc.db.read() as session:
                sha = session.get(Document, doc_id).file.sha256
            copy = tmp_path / f"copy-{doc_id}.pdf"
            copy.write_bytes(arc.store.read_bytes(sha))
            args = list(names)
            for param in arguments:
                if param.name in ("paths", "file"):
                    args.append(str(copy))
                elif param.name == "username":
                    args.append("walker")
                else:
                    args.append(str(doc_id))
            options = {
                "--reason": "命令遍历测试",
                "--years": "1",
                "--type": "H02",
                "--village": "003",
                "--household": "018",
                "--role": "admin",
            }
            for param in command.params:
                if param.param_type_name == "option":
                    flag = max(param.opts, key=len)
                    if flag in options:
                        args += [flag, options[flag]]
                    elif flag == "--witness":
                        args += ["--witness", "inspector", "--witness", "auditor"]
                    elif flag == "--password-stdin":
                        args.append(flag)
            result = runner.invoke(cli_app, args, input=f"{PASSWORD}\n{PASSWORD}\n{PASSWORD}\n")
            # refused with a message (DanganError) or an exit code, never a crash
            assert result.exception is None or isinstance(
                result.exception, (DanganError, SystemExit)
            ), (args, result.output, result.exception)
            walked.append(" ".join(names))
    assert {"docs show", "review refile", "retention hold", "retention destroy", "ingest"} <= set(
        walked
    )
    _assert_content_kept(arc, before)


def test_destroyed_content_is_not_brought_back_by_an_upload(arc, targets) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from dangan.archive import users
    from dangan.ingest.receive import receive_stream
    from dangan.retention import disposal

    world, ids = targets
    old_id = ids[1]
    with arc.db.read() as session:
        sha = session.get(Document, old_id).file.sha256
        accounts = {a.username: a for a in users.list_users(session)}
    content = arc.store.read_bytes(sha)
    today = dt.date(2026, 12, 6)
    listed = disposal.propose(arc, accounts["archivist"], today=today)
    disposal.approve(arc, accounts["admin"], listed["id"], today=today)
    disposal.destroy(
        arc,
        accounts["admin"],
        listed["id"],
        witnesses=[accounts["inspector"], accounts["auditor"]],
        today=today,
    )
    assert not arc.store.exists(sha)
    [received] = receive_stream(arc, io.BytesIO(content), "again.pdf", actor="test")
    assert received.outcome == "duplicate" and "已销毁" in (received.message or "")
    assert not arc.store.exists(sha)
    # and the destroyed item's file is explained, not missing, in the API and the page
    client = TestClient(create_app(arc))
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    response = client.get(f"/api/docs/{old_id}/original", headers=headers)
    assert response.status_code == 410
    assert re.search(r"已于 2026-12-06 按销毁清册 XH-2026-001 销毁", response.json()["detail"])
    w.login(client, "admin")
    page = client.get(f"/docs/{old_id}/original")
    assert page.status_code == 410 and "按销毁清册 XH-2026-001 销毁" in page.text
    item = client.get(f"/docs/{old_id}")
    assert item.status_code == 200 and "按销毁清册 XH-2026-001 销毁" in item.text


def test_a_pipeline_step_on_a_filed_item_is_refused(arc, targets) -> None:  # type: ignore[no-untyped-def]
    from dangan.archive.errors import IntegrityFailure
    from dangan.ingest.pipeline import StepContext, _start

    _world, ids = targets
    before = _snapshot(arc, ids)
    with pytest.raises(IntegrityFailure, match="已归档"):
        _start(StepContext(arc=arc, owner="test", engine=None), ids[0])  # type: ignore[arg-type]
    _assert_content_kept(arc, before)
