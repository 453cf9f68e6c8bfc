"""`dangan retention ...` as a user types it: each step acts for a dangan user, who
gives a password on standard input (--as USER --password-stdin) or a token in
DANGAN_TOKEN; the witnesses give their own passwords, one line each."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from dangan.archive import users
from dangan.cli.main import app
from tests import factories
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401
from tests.test_retention_disposal import _filed


@pytest.fixture
def setup(arc):  # type: ignore[no-untyped-def]
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        wang = factories.household(session, v3)
        ids = [
            _filed(session, arc, v3, wang, "H12", 2008, "帮扶联系卡").id,
            _filed(session, arc, v3, wang, "H01", 2008, "申请书").id,
        ]
        for name, role in (
            ("keeper", "archivist"),
            ("head", "admin"),
            ("w1", "auditor"),
            ("w2", "inspector"),
        ):
            users.create_user(session, name, role=role, password=PASSWORD, actor="test")
        token = users.issue_token(session, "head", actor="test")
    return ids, token


def run(*args: str, input: str | None = None, env: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
    return CliRunner().invoke(app, list(args), input=input, env=env)


def test_status_rows_and_a_full_disposal(arc, setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (card, apply), token = setup
    rows = json.loads(run("retention", "status", "--json").output)
    assert [set(r) for r in rows] == [
        {"id", "archival_code", "retention", "year", "due", "holds", "destroyable"}
    ] * 2
    by_id = {r["id"]: r for r in rows}
    assert by_id[card]["due"] == "2019-01-01" and by_id[card]["destroyable"] is True
    assert by_id[apply]["due"] is None and by_id[apply]["destroyable"] is False
    assert [r["id"] for r in json.loads(run("retention", "status", "--due", "--json").output)] == [
        card
    ]

    # a hold shows in the status and blocks a proposal
    held = run("retention", "hold", str(card), "--reason", "县审计检查")
    assert held.exit_code == 0 and "已冻结 #1" in held.output
    [row] = json.loads(run("retention", "status", "--due", "--json").output)
    assert row["holds"][0]["reason"] == "县审计检查" and row["destroyable"] is False
    refused = run(
        "retention", "propose", "--as", "keeper", "--password-stdin", input=PASSWORD + "\n"
    )
    assert refused.exception.exit_code == 2 and "没有到期且可销毁的文件" in str(refused.exception)
    assert run("retention", "release", "1", "--reason", "检查结束").exit_code == 0

    # no acting user, a wrong password: refused with one plain line
    assert "--as" in str(run("retention", "propose").exception)
    wrong = run("retention", "propose", "--as", "keeper", "--password-stdin", input="nope\n")
    assert wrong.exception.exit_code == 7 and "密码或令牌不对" in str(wrong.exception)

    out = tmp_path / "list.pdf"
    proposed = run(
        "retention",
        "propose",
        "--as",
        "keeper",
        "--password-stdin",
        "-o",
        str(out),
        input=PASSWORD + "\n",
    )
    assert proposed.exit_code == 0, proposed.output
    assert "XH-" in proposed.output and out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "鉴定小组" in text and "keeper" in text and "待批准" in text

    same = run(
        "retention", "approve", "1", "--as", "keeper", "--password-stdin", input=PASSWORD + "\n"
    )
    assert same.exception is not None and "无权批准" in str(same.exception)
    approved = run("retention", "approve", "1", env={"DANGAN_TOKEN": token})
    assert approved.exit_code == 0 and "已批准" in approved.output

    proposer_witness = run(
        "retention",
        "destroy",
        "1",
        "--witness",
        "w1",
        "--witness",
        "keeper",
        "--password-stdin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"DANGAN_TOKEN": token},
    )
    assert "是清册的提出人" in str(proposer_witness.exception)
    done = run(
        "retention",
        "destroy",
        "1",
        "--witness",
        "w1",
        "--witness",
        "w2",
        "--as",
        "head",
        "--password-stdin",
        input=f"{PASSWORD}\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert done.exit_code == 0, done.output
    assert "销毁 1 件" in done.output and "w1、w2" in done.output
    shown = json.loads(run("docs", "show", str(card), "--json").output)
    assert shown["status"] == "destroyed" and shown["text"] == ""
    assert run("journal", "verify").exit_code == 0


def test_a_printed_list_anchors_the_journal(arc, setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The 销毁清册 carries the journal head; `journal verify --anchor` finds it, and
    refuses a hash the chain does not hold."""
    import re

    out = tmp_path / "list.pdf"
    run(
        "retention",
        "propose",
        "--as",
        "keeper",
        "--password-stdin",
        "-o",
        str(out),
        input=PASSWORD + "\n",
    )
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, check=True
    ).stdout.decode()
    digest = re.search(r"[0-9a-f]{64}", text.replace("\n", "")).group(0)
    result = run("journal", "verify", "--anchor", digest, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["anchor"]["seq"] > 0
    bad = run("journal", "verify", "--anchor", "f" * 64)
    assert bad.exit_code == 6
