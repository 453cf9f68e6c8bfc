"""`dangan user ...` (cli/users.py): accounts for the web interface from the terminal."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dangan.archive import users
from dangan.cli.users import app
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)


def test_add_prints_a_generated_password_that_logs_in(arc):
    with arc.db.write() as session:
        from tests import factories

        factories.village(session, arc, "003", "白沙村")
    out = CliRunner().invoke(app, ["add", "zhuangan", "--role", "archivist", "--village", "白沙村"])
    assert out.exit_code == 0, out.output
    assert "已创建用户 zhuangan(档案员, 003)" in out.output
    password = re.search(r"初始密码\(只显示这一次\): (\S+)", out.output).group(1)
    client = TestClient(create_app(arc))
    w.login(client, "zhuangan", password)
    assert client.get("/api/me").json()["villages"] == ["003"]


def test_add_refuses_a_bad_role_and_reads_a_password_from_stdin(arc):
    bad = CliRunner().invoke(app, ["add", "x", "--role", "boss"])
    assert bad.exit_code != 0 and "角色" in str(bad.exception)
    out = CliRunner().invoke(
        app, ["add", "li", "--role", "inspector", "--password-stdin"], input="pass-word-1\n"
    )
    assert out.exit_code == 0 and "初始密码" not in out.output
    with arc.db.write() as session:
        assert users.authenticate(session, "li", "pass-word-1") is not None


def test_list_passwd_token_disable_and_demo(arc):
    runner = CliRunner()
    runner.invoke(app, ["add", "admin", "--role", "admin"])
    [row] = json.loads(runner.invoke(app, ["list", "--json"]).output)
    assert row["username"] == "admin" and row["role"] == "admin" and row["villages"] == []
    new = re.search(
        r"新密码\(只显示这一次\): (\S+)", runner.invoke(app, ["passwd", "admin"]).output
    )
    token = runner.invoke(app, ["token", "admin"]).output.split()[-1]
    assert token.startswith("dg_")
    client = TestClient(create_app(arc), headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/me").status_code == 200
    with arc.db.write() as session:
        assert users.authenticate(session, "admin", new.group(1)) is not None
    assert runner.invoke(app, ["disable", "admin"]).exit_code == 0
    assert client.get("/api/me").status_code == 401
    demo = runner.invoke(app, ["demo"])
    assert demo.exit_code == 0, demo.output
    for name in ("admin", "archivist", "inspector", "auditor"):
        assert name in demo.output
    with arc.db.read() as session:
        assert {a.username: a.active for a in users.list_users(session)} == {
            "admin": True,
            "archivist": True,
            "inspector": True,
            "auditor": True,
        }
