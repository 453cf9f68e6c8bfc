"""Catalog and transfer benchmark: the 归档文件目录 of many rows as XLSX and as PDF
(wall time and peak memory, each in a fresh process), and the transfer of the demo
township against a plain copy of the same files.

    .venv/bin/python bench/catalog.py --xlsx-rows 100000 --pdf-rows 10000 --write-docs
    .venv/bin/python bench/catalog.py --transfer dangan-data --write-docs

Rows: an archive on SQLite whose items are inserted filed, with their codes, in
villages of 100 households of 10 items each (one shared stored file: the catalog does
not read files); then `build_catalog` and the writer, timed together in a child process
whose VmHWM (its own peak RSS) is reported. Transfer: an archive `dangan demo` built
(scans, photos, PDFs and Word files, OCR'd and filed); every village exported as
`transfer export` does it (files, text, metadata XML, catalog, form, BagIt manifests,
validation and the receiver's checks) inside a transaction that is rolled back; the
plain copy copies the same originals with shutil.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench.report import record  # noqa: E402
from dangan.archive.catalog import build_catalog  # noqa: E402
from dangan.archive.catalog_print import WRITERS  # noqa: E402
from dangan.archive.context import init_archive, open_archive  # noqa: E402
from dangan.archive.models import Document, Household, StoredFile, Village  # noqa: E402

TYPES = ("H01", "H02", "H03", "H04", "H05", "H07", "H08", "H09", "H11", "H13")


def rows_archive(home: Path, rows: int) -> None:
    """An archive of `rows` filed items: 10 a household, 100 households a village."""
    arc, _ = init_archive(home, fonds="Z105", township="桑村镇", actor="bench")
    scheme = arc.scheme
    households = max(1, rows // 10)
    with arc.db.write() as session:
        township = arc.township(session)
        blob = arc.store.put_bytes(b"%PDF-1.4 bench")
        session.add(StoredFile(id=1, sha256=blob.sha256, size=blob.size, original_name="b.pdf"))
        for v in range(households // 100 + (households % 100 > 0)):
            session.add(
                Village(id=v + 1, township=township, code=f"{v + 1:03d}", name=f"村{v + 1}")
            )
        session.flush()
        session.execute(
            insert(Household),
            [
                {
                    "id": h + 1,
                    "village_id": h // 100 + 1,
                    "household_no": f"{h % 100 + 1:03d}",
                    "head_name": f"户主{h + 1}",
                    "id_number": "11010519491231002X",
                }
                for h in range(households)
            ],
        )
    batch: list[dict[str, Any]] = []
    for n in range(rows):
        h = n // 10
        doc_type = TYPES[n % 10]
        retention = scheme.types[doc_type].retention
        group = f"Z105-FP·2018-{retention}-{h // 100 + 1:03d}·{h % 100 + 1:03d}-#"
        same = sum(1 for t in TYPES[: n % 10] if scheme.types[t].retention == retention)
        batch.append(
            {
                "file_id": 1,
                "status": "filed",
                "doc_type": doc_type,
                "title": f"{scheme.types[doc_type].name}({n})",
                "responsible": f"村{h // 100 + 1}村民委员会",
                "date": dt.date(2018, 1 + n % 12, 1 + n % 28),
                "year": 2018,
                "retention": retention,
                "village_id": h // 100 + 1,
                "household_id": h + 1,
                "archival_code": group.replace("#", f"{same + 1:04d}"),
                "code_group": group,
                "item_no": same + 1,
                "pages": 1 + n % 4,
                "review_reasons": [],
                "extra": {},
            }
        )
        if len(batch) == 20_000:
            with arc.db.write() as session:
                session.execute(insert(Document), batch)
            batch.clear()
    if batch:
        with arc.db.write() as session:
            session.execute(insert(Document), batch)
    arc.close()


def _peak_mb() -> float:
    # VmHWM is this process image's own peak: ru_maxrss would carry the parent's
    status = Path("/proc/self/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM"))) / 1024


def _timed_write(home: str, suffix: str, out: Any) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    arc = open_archive(home)
    with arc.db.read() as session:
        catalog = build_catalog(session, arc.scheme)
    target = Path(home) / f"catalog{suffix}"
    with target.open("wb") as fh:
        WRITERS[suffix](catalog, fh)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    # the processes a PDF's parts were laid out in (none for XLSX): the largest, and CPU
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    parts_peak = children.ru_maxrss / 1024
    cpu += children.ru_utime + children.ru_stime
    out.send((seconds, cpu, _peak_mb(), parts_peak, catalog.count, target.stat().st_size))


def measure(rows: int, suffix: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rows_archive(Path(tmp), rows)
        made = time.perf_counter() - start
        ctx = mp.get_context("spawn")
        ours, theirs = ctx.Pipe()
        child = ctx.Process(target=_timed_write, args=(tmp, suffix, theirs))
        child.start()
        seconds, cpu, peak, parts_peak, count, size = ours.recv()
        child.join()
        load = os.getloadavg()[0]
        pages = ""
        if suffix == ".pdf":
            import pypdf

            pages = f", {len(pypdf.PdfReader(Path(tmp) / 'catalog.pdf').pages):,} pages"
    goal = {".xlsx": "≤ 20 s", ".pdf": "≤ 60 s on 2 cores"}[suffix]
    line = (
        f"`bench/catalog.py` {suffix[1:].upper()} of **{count:,} rows** "
        f"({rows // 10:,} household files in {max(1, rows // 1000)} villages; archive made in "
        f"{made:.0f} s): query and write **{seconds:.1f} s** wall, {cpu:.1f} s CPU"
        f"{' (all processes)' if suffix == '.pdf' else ''}, "
        f"peak RSS **{peak:.0f} MB**"
        + (f" (each part's process at most **{parts_peak:.0f} MB**)" if parts_peak else "")
        + f", {size / 1e6:.1f} MB written{pages}; load average "
        f"{load:.1f} on the machine. Goal {goal}."
    )
    print(line)
    return line


def transfer(home: Path) -> str:
    """Exports every village of the archive at `home` into a scratch folder, then copies
    the same stored originals with shutil; the sender's own records of the transfers are
    rolled back, so the archive is left as it was."""
    from dangan.archive.models import Village
    from dangan.retention.transfer import export

    arc = open_archive(home)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        items = size = failures = 0
        blobs: set[str] = set()
        start = time.perf_counter()
        with arc.db.read() as session:  # read(): nothing of the run is committed
            for village in session.scalars(select(Village).order_by(Village.code)):
                done = export(arc, session, village, None, out / village.code, actor="bench")
                items += done.items
                size += done.byte_count
                failures += len(done.failures)
            seconds = time.perf_counter() - start
            blobs = set(
                session.scalars(
                    select(StoredFile.sha256)
                    .join(Document, Document.file_id == StoredFile.id)
                    .where(Document.status == "filed", Document.archival_code.is_not(None))
                )
            )
            session.rollback()
        package = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        plain = Path(tmp) / "plain"
        plain.mkdir()
        start = time.perf_counter()
        for sha in blobs:
            shutil.copyfile(arc.store.path(sha), plain / sha)
        copy_seconds = time.perf_counter() - start
        copied = sum(p.stat().st_size for p in plain.iterdir())
    arc.close()
    mb = size / 1e6
    line = (
        f"`bench/catalog.py --transfer {home.name}`: the demo township as `dangan demo` built "
        f"and ingested it, every village exported: **{items} items, {mb:.1f} MB of originals "
        f"in {seconds:.1f} s = {mb / seconds:.1f} MB/s** (package {package / 1e6:.1f} MB with "
        f"text, metadata XML, catalogs, forms and manifests; bag validated and checked as "
        f"received; {failures} check failures reported). A plain copy of the same "
        f"{len(blobs)} stored files ({copied / 1e6:.1f} MB): {copy_seconds:.2f} s = "
        f"{copied / 1e6 / copy_seconds:.0f} MB/s. Load average {os.getloadavg()[0]:.1f}."
    )
    print(line)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xlsx-rows", type=int)
    parser.add_argument("--pdf-rows", type=int)
    parser.add_argument("--transfer", type=Path, help="an archive `dangan demo` built")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.xlsx_rows:
        line = measure(args.xlsx_rows, ".xlsx")
        if args.write_docs:
            record("Catalogs and transfer", "catalog-xlsx", line)
    if args.pdf_rows:
        line = measure(args.pdf_rows, ".pdf")
        if args.write_docs:
            record("Catalogs and transfer", "catalog-pdf", line)
    if args.transfer:
        line = transfer(args.transfer)
        if args.write_docs:
            record("Catalogs and transfer", "transfer", line)


if __name__ == "__main__":
    main()
