"""The command line answers at once: heavy libraries load only in the commands that use
them (bench/cli.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    *("fastapi", "cv2", "sklearn", "tesserocr", "tantivy", "alembic"),
    *("weasyprint", "openpyxl", "docx"),  # the audit's written reports
    *("celery", "redis"),  # the county's task queue, only with DANGAN_BROKER_URL
)


def loaded_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    assert loaded_after("import dangan.cli.main") == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "import contextlib, io\n"
        "from dangan.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app(['--help'])"
    )
    assert loaded_after(code) == []


@pytest.mark.usefixtures("db_url")
def test_docs_list_loads_neither_the_web_nor_the_pipeline(arc: object) -> None:
    code = (
        "import contextlib, io\n"
        "from dangan.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app(['docs', 'list', '--json'])"
    )
    assert [m for m in loaded_after(code) if m != "alembic"] == []
