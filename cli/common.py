"""What every command shares: the open archive, JSON output, errors as plain messages.

The command modules import the archive, the pipeline and the search engine inside the
commands that use them, so that `dangan --help` and a quick query start at once
(tests/test_cli_imports.py).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from dangan.archive.context import Archive

console = Console()
err_console = Console(stderr=True)

# The CLI acts for the person at the terminal; the journal records who that was.
ACTOR = f"cli:{os.environ.get('USER') or os.environ.get('USERNAME') or 'unknown'}"

_state: dict[str, Any] = {"home": None}


def set_home(home: str | None) -> None:
    _state["home"] = home


def home() -> str | None:
    return _state["home"]


def archive() -> Archive:
    from dangan.archive.context import open_archive

    return open_archive(_state["home"])


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
