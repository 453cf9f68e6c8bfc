"""The watched folder `DANGAN_HOME/inbox`: what a scanner drops there is ingested.

A file is taken once its size and modification time have held still for one
interval (a scanner may still be writing it). After it is received it is moved to
`inbox/已导入/<date>/`; a file that could not be received at all goes to
`inbox/未导入/` with a `.原因.txt` beside it. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
from pathlib import Path

from dangan.archive.context import Archive
from dangan.ingest.receive import receive_paths

log = logging.getLogger("dangan.inbox")
DONE, REJECTED = "已导入", "未导入"


def inbox_dir(arc: Archive) -> Path:
    return arc.settings.home / "inbox"


def _unique(dest: Path) -> Path:
    candidate, n = dest, 1
    while candidate.exists():
        candidate = dest.with_name(f"{dest.stem}({n}){dest.suffix}")
        n += 1
    return candidate


class InboxWatcher:
    def __init__(self, arc: Archive, actor: str = "inbox") -> None:
        self.arc = arc
        self.actor = actor
        self.root = inbox_dir(arc)
        self._seen: dict[Path, tuple[int, float]] = {}

    def _candidates(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(
            p
            for p in self.root.rglob("*")
            if p.is_file()
            and not p.name.startswith(".")
            and p.relative_to(self.root).parts[0] not in (DONE, REJECTED)
        )

    def scan_once(self) -> int:
        """Receive every file that held still since the last scan; returns how many."""
        self.root.mkdir(parents=True, exist_ok=True)
        ready: list[Path] = []
        current: dict[Path, tuple[int, float]] = {}
        for path in self._candidates():
            stat = path.stat()
            current[path] = (stat.st_size, stat.st_mtime)
            if self._seen.get(path) == current[path]:
                ready.append(path)
        self._seen = {p: s for p, s in current.items() if p not in ready}
        for path in ready:
            results = receive_paths(self.arc, [path], actor=self.actor)
            stored = any(r.document_id is not None or r.outcome == "duplicate" for r in results)
            rel = path.relative_to(self.root)
            if stored:
                dest = _unique(self.root / DONE / dt.date.today().isoformat() / rel)
            else:
                dest = _unique(self.root / REJECTED / rel)
                dest.parent.mkdir(parents=True, exist_ok=True)
                reasons = "\n".join(r.message or "" for r in results)
                dest.with_name(dest.name + ".原因.txt").write_text(reasons + "\n", encoding="utf-8")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, dest)
            log.info("inbox: %s -> %s", rel, dest.relative_to(self.root))
        return len(ready)

    def run(self, stop: threading.Event, interval: float = 3.0) -> None:
        while not stop.is_set():
            try:
                self.scan_once()
            except Exception:
                log.exception("inbox scan failed")
            stop.wait(interval)

    def start_thread(self, stop: threading.Event, interval: float = 3.0) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop, interval), name="inbox", daemon=True)
        thread.start()
        return thread
