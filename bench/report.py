"""Writing measured figures into docs/benchmarks.md, one section per benchmark run."""

from __future__ import annotations

import datetime as dt
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nFigures measured by the scripts in `bench/`; each section says how to re-run it.\n"


def record(chapter: str, key: str, body: str) -> None:
    """Replace (or add) the block `key` under `## chapter` in docs/benchmarks.md."""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    stamp = f"_Measured {dt.date.today().isoformat()} on {platform.machine()}, {_cores()} cores._"
    block = f"<!-- {key} -->\n{body.strip()}\n\n{stamp}\n<!-- /{key} -->\n"
    pattern = re.compile(rf"<!-- {re.escape(key)} -->.*?<!-- /{re.escape(key)} -->\n", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        heading = f"## {chapter}\n"
        if heading not in text:
            text = text.rstrip() + f"\n\n{heading}\n"
        start = text.index(heading) + len(heading)
        nxt = text.find("\n## ", start)
        end = len(text) if nxt == -1 else nxt + 1
        text = text[:end].rstrip() + "\n\n" + block + ("\n" + text[end:] if nxt != -1 else "")
    DOC.write_text(text, encoding="utf-8")


def _cores() -> int:
    import os

    return os.cpu_count() or 1
