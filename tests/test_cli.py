"""The command line as users and scripts call it (the real `dangan` console script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from dangan.cli.main import app
from tests import factories
from tests.conftest import DATA

DOCUMENT_KEYS = [
    "id",
    "archival_code",
    "title",
    "doc_type",
    "doc_type_name",
    "class",
    "level",
    "retention",
    "village_code",
    "village",
    "household_no",
    "household_head",
    "year",
    "date",
    "pages",
    "status",
    "confidence",
    "error",
    "source_name",
    "source_pages",
    "sha256",
]


def _dangan(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("dangan")
    env = {**os.environ, "DANGAN_HOME": str(home)}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=120)


def test_readme_flow_init_import_list(db_url, tmp_path):
    home = tmp_path / "archive"
    init = _dangan("init", "--fonds", "Z105", "--township", "桑村镇", home=home)
    assert init.returncode == 0, init.stderr
    assert "Z105" in init.stdout
    imported = _dangan("roster", "import", str(DATA / "roster.xlsx"), home=home)
    # Three bad rows in the sample roster, reported on stderr by file and row: the one
    # with an invalid ID number is imported and flagged; the two without a head's name
    # or a village are refused, hence exit 1.
    assert imported.returncode == 1
    assert "新增 6 户" in imported.stdout
    assert "提示 roster.xlsx 第 8 行" in imported.stderr and "校验位错误" in imported.stderr
    assert "未导入 roster.xlsx 第 9 行" in imported.stderr
    assert "未导入 roster.xlsx 第 10 行" in imported.stderr
    listed = _dangan("docs", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    again = _dangan("init", "--fonds", "Z105", home=home)
    assert again.returncode == 0 and "全宗已存在" in again.stdout


def test_uninitialised_home_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DANGAN_DATABASE_URL", raising=False)
    result = _dangan("docs", "list", home=tmp_path / "nowhere")
    assert result.returncode == 3
    assert "尚未初始化" in result.stderr and "dangan init" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_list_and_show_json_shape(arc):
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        doc = factories.document(session, arc, village_row=v, household_row=h, doc_type="H07")
        doc.pages = 2
        from dangan.archive.filing import file_document
        from dangan.archive.models import Page

        session.add_all(
            [
                Page(document=doc, page_no=1, text="扶贫手册"),
                Page(document=doc, page_no=2, text="帮扶措施"),
            ]
        )
        file_document(session, doc, arc.scheme, actor="t", store=arc.store)
        other_village = factories.village(session, arc, code="004", name="柳树村")
        factories.document(
            session, arc, village_row=other_village, household_row=None, doc_type="V02"
        )
    runner = CliRunner()
    listed = runner.invoke(app, ["docs", "list", "--village", "白沙村", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 1
    assert list(rows[0]) == DOCUMENT_KEYS
    assert rows[0] | {"id": 0, "sha256": "", "source_name": ""} == {
        "id": 0,
        "archival_code": "Z105-FP·2018-Y-003·017-0001",
        "title": "贫困户申请书",
        "doc_type": "H07",
        "doc_type_name": "扶贫手册",
        "class": "SC",
        "level": "household",
        "retention": "Y",
        "village_code": "003",
        "village": "白沙村",
        "household_no": "017",
        "household_head": "王建国",
        "year": 2018,
        "date": "2018-03-05",
        "pages": 2,
        "status": "filed",
        "confidence": None,
        "error": None,
        "source_name": "",
        "source_pages": None,
        "sha256": "",
    }
    by_code = json.loads(
        runner.invoke(app, ["docs", "list", "--village", "004", "--type", "v02", "--json"]).output
    )
    assert [r["doc_type"] for r in by_code] == ["V02"]
    assert (
        json.loads(runner.invoke(app, ["docs", "list", "--status", "queued", "--json"]).output)[0][
            "village"
        ]
        == "柳树村"
    )
    assert (
        len(json.loads(runner.invoke(app, ["docs", "list", "--limit", "1", "--json"]).output)) == 1
    )
    shown = json.loads(runner.invoke(app, ["docs", "show", str(rows[0]["id"]), "--json"]).output)
    assert list(shown) == [*DOCUMENT_KEYS, "text"]
    assert shown["text"] == "扶贫手册\f帮扶措施"


def test_unknown_village_and_document_are_clear_errors(arc):
    runner = CliRunner()
    missing = runner.invoke(app, ["docs", "list", "--village", "不存在村"])
    assert missing.exit_code != 0
    assert "没有行政村 不存在村" in str(missing.exception)
    result = _dangan("docs", "show", "999", home=arc.settings.home)
    assert result.returncode == 4
    assert "没有编号为 999 的文件" in result.stderr
