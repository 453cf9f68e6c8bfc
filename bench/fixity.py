"""Fixity scrub throughput on a store, against `sha256sum` over the same files.

    DANGAN_HOME=/tmp/demo .venv/bin/python -m bench.fixity [--repeat 3] [--no-record]

Runs `dangan fixity`'s scrub (every object, no time budget, no throttle),
`sha256sum` and `openssl dgst -sha256` over the same blobs, each `--repeat` times, and reports the best run of
each: MB/s and objects/s, the scrub as a share of sha256sum's rate, and the part of
the scrub spent verifying the journal chain. The page cache is warm for both (the
first run reads the files in); the figures are written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
import time

from sqlalchemy import func, select

from bench.report import record
from dangan.archive import journal
from dangan.archive.context import open_archive
from dangan.archive.models import JournalEvent, StoredFile
from dangan.retention.fixity import scrub


def _hash_tool(command: list[str], paths: list[str]) -> float:
    started = time.perf_counter()
    # one process over every file (xargs batches), as an operator would run it
    subprocess.run(
        ["xargs", "-0", *command],
        input="\0".join(paths).encode(),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()

    arc = open_archive()
    with arc.db.read() as session:
        rows = session.execute(
            select(StoredFile.sha256, StoredFile.size).where(StoredFile.destroyed_at.is_(None))
        ).all()
        events = session.scalar(select(func.count()).select_from(JournalEvent)) or 0
    paths = [str(arc.store.path(sha)) for sha, _size in rows]
    total = sum(size for _sha, size in rows)
    objects = len(rows)

    scrub_best = sum_best = openssl_best = journal_best = float("inf")
    for _ in range(args.repeat):
        result = scrub(arc, actor="bench")
        assert result.checked == objects, (result.checked, objects)
        scrub_best = min(scrub_best, result.seconds)
        sum_best = min(sum_best, _hash_tool(["sha256sum"], paths))
        openssl_best = min(openssl_best, _hash_tool(["openssl", "dgst", "-sha256"], paths))
        started = time.perf_counter()
        with arc.db.read() as session:
            journal.verify(session)
        journal_best = min(journal_best, time.perf_counter() - started)

    mb = total / 1e6
    body = f"""\
`python -m bench.fixity` on `{arc.settings.home}`: {objects} stored objects, {mb:.1f} MB,
a journal of {events} events; best of {args.repeat} runs, page cache warm.

| | seconds | MB/s | objects/s |
|---|---:|---:|---:|
| `dangan fixity` scrub (hash, record, verify the journal) | {scrub_best:.2f} | {mb / scrub_best:.0f} | {objects / scrub_best:.0f} |
| `sha256sum` over the same files | {sum_best:.2f} | {mb / sum_best:.0f} | {objects / sum_best:.0f} |
| `openssl dgst -sha256` over the same files | {openssl_best:.2f} | {mb / openssl_best:.0f} | {objects / openssl_best:.0f} |

The scrub reads at {100 * sum_best / scrub_best:.0f} % of sha256sum's rate (goal ≥ 80 %) and
{100 * openssl_best / scrub_best:.0f} % of openssl's: Python's hashlib hashes with OpenSSL, which
uses the CPU's SHA instructions where coreutils' sha256sum may not;
{journal_best:.2f} s of each run is the journal chain's verification. The server's
schedule reads at most DANGAN_FIXITY_MB_PER_SECOND (50 by default) so that pages stay
responsive; these runs are unthrottled."""
    print(body)
    if not args.no_record:
        record("Fixity", "fixity-scrub", body)
    arc.close()


if __name__ == "__main__":
    main()
