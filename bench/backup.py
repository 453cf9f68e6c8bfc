"""Backup benchmark: the first backup's speed against `cp -a`, a second backup with
nothing changed, and restore time.

    .venv/bin/python bench/backup.py --home dangan-data --write-docs

`--home` is an archive on SQLite (`make demo` or `dangan demo` builds the demo one).
1. First backup of it into an empty folder (database snapshot, every store object
   hashed while copied, configuration, manifest, one `sync`), against `cp -a` of the
   same files (`store/`, `dangan.db`, the configuration) and `cp -a` followed by
   `sync`; MB/s over the bytes copied. The files are read once beforehand, so both
   read from the page cache.
2. A second backup of it into the same folder with nothing changed.
3. The same second backup of a synthetic archive of `--objects` objects (10,000 by
   default, `--object-kb` each, each with its `files` row): the goal is at most 5 s.
4. Restore of the demo backup into an empty home (every hash checked, migrations run),
   and the search index rebuilt from the restored database.
Figures are printed and, with `--write-docs`, written to the "## Backup" section of
docs/benchmarks.md; never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import record  # noqa: E402


def _timed(action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def _read_all(paths: list[Path]) -> int:
    total = 0
    for top in paths:
        files = [top] if top.is_file() else [p for p in top.rglob("*") if p.is_file()]
        for path in files:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
    return total


def synthetic_archive(home: Path, objects: int, kb: int) -> None:
    from dangan.archive.context import init_archive
    from dangan.archive.models import StoredFile

    arc, _ = init_archive(home, fonds="Z105", township="桑村镇")
    rows = []
    for n in range(objects):
        put = arc.store.put_bytes(os.urandom(kb * 1024 - 16) + n.to_bytes(16, "big"))
        rows.append(StoredFile(sha256=put.sha256, size=put.size, original_name=f"{n}.pdf"))
    with arc.db.write() as session:
        session.add_all(rows)
    arc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("dangan-data"))
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--object-kb", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    os.environ.pop("DANGAN_DATABASE_URL", None)
    from dangan.archive.context import open_archive
    from dangan.retention.backup import config_files, create_backup
    from dangan.retention.restore import restore_backup
    from dangan.search.service import SearchService

    work = Path(tempfile.mkdtemp(prefix="bench-backup-", dir=args.workdir))
    try:
        arc = open_archive(args.home, check_schema=False)
        home = arc.settings.home
        sources = [home / "store", home / "dangan.db", *config_files(home)]
        size = _read_all(sources)  # warm the page cache for both copies
        with arc.db.read() as session:
            from sqlalchemy import func, select

            from dangan.archive.models import Document

            documents = session.scalar(select(func.count()).select_from(Document))

        (work / "cp").mkdir()
        cp_s, _ = _timed(
            lambda: subprocess.run(["cp", "-a", *map(str, sources), str(work / "cp")], check=True)
        )
        shutil.rmtree(work / "cp")
        (work / "cp").mkdir()
        cp_sync_s, _ = _timed(
            lambda: (
                subprocess.run(["cp", "-a", *map(str, sources), str(work / "cp")], check=True),
                os.sync(),
            )
        )
        shutil.rmtree(work / "cp")

        first_s, first = _timed(lambda: create_backup(arc, work / "backup", actor="bench"))
        copied = first.bytes_copied + sum(
            p.stat().st_size for p in (work / "backup" / "snapshots" / first.snapshot).rglob("*")
            if p.is_file()
        )  # fmt: skip
        second_s, second = _timed(lambda: create_backup(arc, work / "backup", actor="bench"))
        arc.close()

        os.environ["DANGAN_HOME"] = str(work / "restored")
        restore_s, restored = _timed(
            lambda: restore_backup(work / "backup", work / "restored", actor="bench")
        )
        restored_arc = open_archive(work / "restored")
        service = SearchService(restored_arc)
        index_s, indexed = _timed(service.rebuild)
        service.close()
        restored_arc.close()
        shutil.rmtree(work / "backup")
        shutil.rmtree(work / "restored")

        synth = work / "synthetic"
        os.environ["DANGAN_HOME"] = str(synth)
        build_s, _ = _timed(lambda: synthetic_archive(synth, args.objects, args.object_kb))
        synth_arc = open_archive(synth)
        synth_first_s, synth_first = _timed(
            lambda: create_backup(synth_arc, work / "synthetic-backup", actor="bench")
        )
        synth_second_s, synth_second = _timed(
            lambda: create_backup(synth_arc, work / "synthetic-backup", actor="bench")
        )
        synth_arc.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mb = size / 1e6
    rows = [
        ("`cp -a` of the same files", f"{cp_s:.2f} s", f"{mb / cp_s:.0f} MB/s"),
        ("`cp -a`, then `sync`", f"{cp_sync_s:.2f} s", f"{mb / cp_sync_s:.0f} MB/s"),
        (
            f"first backup ({first.objects} objects)",
            f"{first_s:.2f} s",
            f"{copied / 1e6 / first_s:.0f} MB/s",
        ),
        (
            f"second backup, nothing changed ({second.objects_copied} copied)",
            f"{second_s:.2f} s",
            "",
        ),
        (
            f"restore ({restored.objects} objects, {restored.documents} items, hashes checked)",
            f"{restore_s:.2f} s",
            f"{restored.bytes / 1e6 / restore_s:.0f} MB/s",
        ),
        (f"search index rebuilt after the restore ({indexed} items)", f"{index_s:.2f} s", ""),
        (
            f"synthetic archive: first backup ({synth_first.objects:,} objects of "
            f"{args.object_kb} KB)",
            f"{synth_first_s:.2f} s",
            f"{synth_first.bytes_copied / 1e6 / synth_first_s:.0f} MB/s",
        ),
        (
            f"synthetic archive: second backup, nothing changed ({synth_second.objects_copied} "
            "copied; goal ≤ 5 s)",
            f"{synth_second_s:.2f} s",
            "",
        ),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    body = (
        f"`bench/backup.py`: the demo archive ({documents} items, {mb:.0f} MB in the store, "
        f"the database and the configuration; SQLite), the files read once beforehand so "
        f"that every copy reads from the page cache. The synthetic archive took "
        f"{build_s:.0f} s to build and is not timed below beyond its backups.\n\n"
        "| run | time | rate |\n|---|---|---|\n" + table
    )
    print(body)
    if args.write_docs:
        record("Backup", "backup", body)


if __name__ == "__main__":
    main()
