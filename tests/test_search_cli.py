"""`dangan search` on the command line: JSON, the table, --rebuild, errors."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from dangan.archive.context import Archive
from dangan.archive.errors import NotFound
from dangan.cli import main as cli_main
from dangan.cli.search import search
from tests.test_cli import DOCUMENT_KEYS
from tests.test_search_service import Demo, build_demo, containing

runner = CliRunner()


def dangan() -> typer.Typer:
    """The real `dangan` app when `search` is registered on it, else the same callback
    with the search command on a fresh app."""
    if any(c.name == "search" for c in cli_main.app.registered_commands):
        return cli_main.app
    app = typer.Typer(pretty_exceptions_enable=False)
    app.callback()(cli_main.main)
    app.command("search")(search)
    return app


@pytest.fixture
def demo(arc: Archive) -> Demo:
    return build_demo(arc, villages=2, households=1, months=(3,))


def test_search_json(demo: Demo) -> None:
    result = runner.invoke(dangan(), ["search", "危房改造 OR 产业", "--json", "--limit", "50"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["query", "total", "took_ms", "hits", "facets"]
    want = containing(demo, "危房改造") | containing(demo, "产业")
    assert data["total"] == len(want)
    assert {h["id"] for h in data["hits"]} == want
    assert all(list(h) == [*DOCUMENT_KEYS, "score", "snippet"] for h in data["hits"])


def test_search_options_filter(demo: Demo) -> None:
    result = runner.invoke(dangan(), ["search", "", "--village", "002", "--type", "H07", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    want = {i for i in demo.texts if demo.village[i] == "002" and demo.doc_type[i] == "H07"}
    assert {h["id"] for h in data["hits"]} == want


def test_search_table(demo: Demo) -> None:
    result = runner.invoke(dangan(), ["search", "扶贫手册"])
    assert result.exit_code == 0, result.output
    assert "共 " in result.stdout and "扶贫手册" in result.stdout
    assert "<mark>" not in result.stdout


def test_rebuild_reports_the_count(demo: Demo) -> None:
    result = runner.invoke(dangan(), ["search", "--rebuild", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"backend": "tantivy", "indexed": len(demo.texts)}
    assert f"索引已重建(tantivy): {len(demo.texts)} 件" in result.stderr


def test_unknown_village_is_an_error(demo: Demo) -> None:
    result = runner.invoke(dangan(), ["search", "扶贫", "--village", "不存在村", "--json"])
    assert isinstance(result.exception, NotFound)
    assert "没有行政村" in str(result.exception)
