"""`pip install .` installs one package, `dangan`, holding every folder of the source
tree, and nothing else at the top of site-packages (no `web`, `search` or `cli` to
collide with other distributions)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    *("archive", "ingest", "search", "audit", "retention", "web", "cli", "demo"),
    "maintenance",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path_factory.mktemp("source")
    for name in (*PACKAGES, "pyproject.toml", "README.md"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(out), str(source)),
        ],
        check=True,
        timeout=300,
    )
    (path,) = out.glob("dangan-*.whl")
    return zipfile.ZipFile(path)


def test_only_dangan_and_its_metadata_at_the_top(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"dangan"}


def test_every_source_file_is_installed_under_dangan(wheel: zipfile.ZipFile) -> None:
    installed = set(wheel.namelist())
    sources = [
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "archive/scheme.toml" in sources
    assert [p for p in sources if f"dangan/{p}" not in installed] == []


def test_the_command_runs_dangan_cli(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "dangan = dangan.cli.main:run" in wheel.read(entry_points).decode()
