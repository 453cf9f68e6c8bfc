"""Where `dangan demo --serve` says how far it has got, for the dashboard to show."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE_NAME = "demo-loading.json"


def write(
    home: Path,
    stage: str,
    done: int = 0,
    total: int = 0,
    *,
    finished: bool = False,
    error: str | None = None,
) -> None:
    path = home / FILE_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {"stage": stage, "done": done, "total": total, "finished": finished, "error": error},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def read(home: Path) -> dict[str, Any] | None:
    """The loader's last word, or None when no demo is loading or has loaded."""
    try:
        return json.loads((home / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
