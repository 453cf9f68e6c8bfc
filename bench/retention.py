"""`retention status --due` and `propose` over a large text-only archive.

    .venv/bin/python -m bench.retention [--items 1000000] [--villages 20] [--no-record]

Builds a throw-away SQLite archive of `--items` filed items (no blobs: text-only rows
sharing one stored file) spread over villages and the years 2000-2020, a fifth of them
fixed-term (D10, D30), with a hold on one household per village; then times the
status of every item that fell due (`item_statuses(due_only=True)`, what `dangan
retention status --due` and the page run) and one village's `propose`, which also
prints its 销毁清册 as XLSX, DOCX and PDF into the store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bench.report import record
from dangan.archive.context import init_archive
from dangan.archive.models import (
    DisposalList,
    Document,
    Household,
    RetentionHold,
    StoredFile,
    User,
    Village,
)
from dangan.retention import disposal
from dangan.retention.disposal_report import list_content, render
from dangan.retention.periods import item_statuses

TYPES = [("H01", "Y")] * 8 + [("H12", "D10"), ("H11", "D30")]


def build(home: Path, items: int, villages: int) -> None:
    arc, _ = init_archive(home, fonds="Z105", township="基准镇")
    rng = random.Random(18)
    with arc.db.write() as session:
        township = arc.township(session)
        file = StoredFile(sha256="0" * 64, size=0, original_name="text-only", role="original")
        session.add(file)
        rows = [
            Village(township=township, code=f"{v:03d}", name=f"村{v:03d}")
            for v in range(1, villages + 1)
        ]
        session.add_all(rows)
        session.flush()
        households = []
        for v in rows:
            for n in range(1, 51):
                households.append(
                    Household(
                        village=v, household_no=f"{n:03d}", head_name=f"户主{n}", id_number="0" * 18
                    )
                )
        session.add_all(households)
        session.flush()
        session.add_all(
            RetentionHold(household_id=households[i * 50].id, reason="检查", set_by="bench")
            for i in range(villages)
        )
        users_table = User.__table__
        session.execute(
            insert(users_table),
            [
                {
                    "username": "bench",
                    "password_hash": "x",
                    "role": "admin",
                    "villages": [],
                    "active": True,
                    "created_at": dt.datetime.now(),
                }
            ],
        )
        file_id = file.id
        house = [(h.id, h.village_id) for h in households]
    batch = []
    with arc.db.write() as session:
        for n in range(items):
            code, retention = TYPES[n % len(TYPES)]
            household_id, village_id = house[rng.randrange(len(house))]
            year = rng.randint(2000, 2020)
            batch.append(
                {
                    "file_id": file_id,
                    "status": "filed",
                    "doc_type": code,
                    "title": "文件",
                    "year": year,
                    "retention": retention,
                    "village_id": village_id,
                    "household_id": household_id,
                    "archival_code": f"Z105-FP·{year}-{retention}-{n:07d}",
                    "pages": 1,
                    "review_reasons": [],
                    "extra": {},
                    "title_made_up": False,
                    "created_at": dt.datetime.now(),
                    "updated_at": dt.datetime.now(),
                }
            )
            if len(batch) == 20000:
                session.execute(insert(Document), batch)
                batch = []
        if batch:
            session.execute(insert(Document), batch)
    arc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    from dangan.archive.context import open_archive
    from dangan.archive.users import account

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        build(home, args.items, args.villages)
        built = time.perf_counter() - started
        arc = open_archive(home)
        today = dt.date(2026, 12, 6)
        started = time.perf_counter()
        with arc.db.read() as session:
            due = item_statuses(session, arc.scheme, today=today, due_only=True)
        status_s = time.perf_counter() - started
        destroyable = sum(s.destroyable for s in due)
        with arc.db.read() as session:
            head = account(session.scalar(select(User).where(User.username == "bench")))
        started = time.perf_counter()
        listed = disposal.propose(arc, head, village="001", today=today)
        propose_s = time.perf_counter() - started
        # the same list printed again, format by format: where propose's time goes
        printing = {}
        with arc.db.read() as session:
            content = list_content(session, session.get(DisposalList, listed["id"]), arc.scheme)
        for suffix in ("xlsx", "docx", "pdf"):
            started = time.perf_counter()
            render(content, suffix)
            printing[suffix] = time.perf_counter() - started
        arc.close()
    verdict = (
        "misses its goal by the printing" if propose_s > 10 else "meets its goal, printing included"
    )
    body = f"""\
`python -m bench.retention --items {args.items}`: a text-only SQLite archive of
{args.items:,} filed items in {args.villages} villages (years 2000-2020, a fifth of them
D10 or D30, one household per village on hold; built in {built:.0f} s).

| step | items | seconds | goal |
|---|---:|---:|---:|
| `retention status --due` (status of every item fallen due) | {len(due):,} due, {destroyable:,} destroyable | {status_s:.1f} | ≤ 10 s |
| `retention propose --village 001` (list rows, journal, XLSX + DOCX + PDF into the store) | {len(listed["items"]):,} | {propose_s:.1f} | ≤ 10 s |

Printing that list alone takes {printing["xlsx"]:.1f} s as XLSX, {printing["docx"]:.1f} s as DOCX and
{printing["pdf"]:.1f} s as PDF (WeasyPrint laying out every page): `propose` {verdict};
approve and destroy print the list again, so that the store keeps it as it stood
at each step. A list is proposed per village here; one 销毁清册 of
every destroyable item of a county-sized archive would print tens of thousands of rows."""
    print(body)
    if not args.no_record:
        record("Retention", "retention-status", body)


if __name__ == "__main__":
    main()
