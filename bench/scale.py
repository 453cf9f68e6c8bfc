"""The pipeline on Celery against the in-process worker pool, on the same pages.

    .venv/bin/python bench/scale.py [--pages 12] [--rounds 3] [--seed 2018] [--write-docs]

Throughput: `--pages` single-page scans from a demo township (1 village, 3 households),
received into a fresh archive (SQLite, its roster imported first) and run to the end
(extract, classify, index) by `dangan worker --processes N` (N = 1, 2; all queues):
without a broker (the pool), then with DANGAN_BROKER_URL naming a redis-server started
on loopback (Celery). Workers are started and warm (one text PDF through first) before the clock starts; the
time is from the first upload to the last item decided. Pages per minute. `--rounds`
repeats every run, pool and Celery interleaved, and the median and spread are reported
with the load average and the CPU time: the machine is shared.

Classify latency while OCR is saturated: every page is uploaded at once, so the OCR
backlog is as long as it gets, and each item's classify step is timed from its job's
creation (its page read) to its journal event (the step done): waiting plus the step.
The pool (2 processes, quick steps leased first) against Celery with its queues apart
(one worker process on `ocr`, one on `classify` and `index`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.corpus import township  # noqa: E402
from bench.report import record  # noqa: E402
from dangan.archive.context import Archive, init_archive  # noqa: E402
from dangan.archive.models import Document, Job, JournalEvent  # noqa: E402
from dangan.archive.roster import import_roster  # noqa: E402
from dangan.ingest.receive import receive_stream  # noqa: E402

DANGAN = Path(sys.executable).with_name("dangan")


@contextmanager
def redis_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="dangan-bench-redis-")
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder]
    proc = subprocess.Popen(
        [*args, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
            if ping.stdout.strip() == b"PONG":
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _open_jobs(arc: Archive) -> int:
    with arc.db.read() as session:
        return session.scalar(
            select(func.count()).select_from(Job).where(Job.status.in_(("pending", "leased")))
        )


def _until_done(arc: Archive) -> None:
    while _open_jobs(arc):
        time.sleep(0.1)


def fresh_archive(corpus: Path, truth: dict, name: str) -> Archive:
    home = Path(tempfile.mkdtemp(prefix=f"dangan-bench-scale-{name}-"))
    arc, _ = init_archive(
        home, fonds=truth["township"]["fonds"], township=truth["township"]["name"]
    )
    with arc.db.write() as session:
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    return arc


@contextmanager
def workers(arc: Archive, broker: str | None, commands: list[list[str]]) -> Iterator[None]:
    """`dangan worker ...` per command, with DANGAN_BROKER_URL (Celery) or without (the
    pool), each in a session of its own as a service would run it. The kernel shares
    the CPU between sessions (autogroups) first: a pool started inside this process
    and Celery workers in sessions of their own would not get the same share of a
    loaded machine."""
    env = {**os.environ, "DANGAN_HOME": str(arc.settings.home)}
    if broker:
        subprocess.run(["redis-cli", "-u", broker, "flushall"], capture_output=True, check=True)
        env["DANGAN_BROKER_URL"] = os.environ["DANGAN_BROKER_URL"] = broker  # uploads send
    procs = [
        subprocess.Popen(
            [str(DANGAN), "worker", *command],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for command in commands
    ]
    try:
        yield
    finally:
        os.environ.pop("DANGAN_BROKER_URL", None)
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(60)


@dataclass
class Run:
    seconds: float  # first upload to last job done
    cpu: float  # CPU seconds of every process of the run in that time
    load: float  # 1-minute load average when the timed part ended
    latencies: list[float]  # classify steps, job created to journal event


def _tree_cpu() -> float:
    """CPU seconds so far of this process and every process below it (the pool's or
    Celery's worker processes, redis-server), reaped children included: read before and
    after the timed part, it gives the work done whatever else loads the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        cpu[pid] = sum(int(f) for f in fields[11:15]) / tick
    ours, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        ours.add(pid)
        todo.extend(child for child, up in parent.items() if up == pid and child not in ours)
    return sum(cpu.get(pid, 0.0) for pid in ours)


def run(corpus: Path, truth: dict, files: list[dict], name: str, carrier: Callable) -> Run:
    arc = fresh_archive(corpus, truth, name)
    warm = next(e for e in truth["files"] if e["form"] == "pdf_text")
    try:
        with carrier(arc):
            with (corpus / warm["path"]).open("rb") as fh:
                receive_stream(arc, fh, "warm-up.pdf", actor="bench")
            _until_done(arc)
            started, cpu = time.monotonic(), _tree_cpu()
            for entry in files:
                with (corpus / entry["path"]).open("rb") as fh:
                    receive_stream(arc, fh, entry["path"], actor="bench")
            _until_done(arc)
            seconds, cpu = time.monotonic() - started, _tree_cpu() - cpu
            load = os.getloadavg()[0]
        with arc.db.read() as session:
            created = dict(
                session.execute(
                    select(Job.document_id, Job.created_at).where(Job.step == "classify")
                ).all()
            )
            events = session.execute(
                select(JournalEvent.entity_id, JournalEvent.at).where(
                    JournalEvent.action == "document.classify"
                )
            ).all()
            failed = session.scalar(
                select(func.count()).select_from(Document).where(Document.status == "failed")
            )
        assert failed == 0, f"{name}: {failed} item(s) failed"
        latencies = [(at - created[int(i)]).total_seconds() for i, at in events]
        # the warm-up item is not timed
        return Run(seconds, cpu, load, latencies[1:])
    finally:
        arc.close()
        shutil.rmtree(arc.settings.home, ignore_errors=True)


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12, help="single-page scans to read")
    parser.add_argument("--rounds", type=int, default=3, help="pool and Celery runs, interleaved")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (make system)")
    os.environ.pop("DANGAN_DATABASE_URL", None)
    os.environ.pop("DANGAN_BROKER_URL", None)
    corpus = township(args.seed, 1, 3)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    scans = [f for f in truth["files"] if f["form"] == "scan" and f["pages"] == 1]
    step = max(1, len(scans) // args.pages)
    files = scans[::step][: args.pages]
    pages = len(files)

    throughput: dict[str, list[Run]] = {}
    latency: dict[str, list[Run]] = {}
    with redis_server() as broker:
        pairs: list[tuple[tuple[str, Callable], tuple[str, Callable]]] = [
            (
                ("pool, 1 process", lambda a: workers(a, None, [["--processes", "1"]])),
                ("Celery, 1 process", lambda a: workers(a, broker, [["--processes", "1"]])),
            ),
            (
                ("pool, 2 processes", lambda a: workers(a, None, [["--processes", "2"]])),
                ("Celery, 2 processes", lambda a: workers(a, broker, [["--processes", "2"]])),
            ),
        ]
        apart = (
            ("pool, 2 processes", lambda a: workers(a, None, [["--processes", "2"]])),
            (
                "Celery: 1 process on ocr, 1 on classify+index",
                lambda a: workers(
                    a,
                    broker,
                    [
                        ["--processes", "1", "--queue", "ocr"],
                        ["--processes", "1", "--queue", "classify", "--queue", "index"],
                    ],
                ),
            ),
        )
        for n in range(args.rounds):
            # A/B then B/A: neither side always runs first after a pause.
            for pair in pairs:
                for label, carrier in pair if n % 2 == 0 else pair[::-1]:
                    got = run(corpus, truth, files, label.split(",")[0][:6], carrier)
                    throughput.setdefault(label, []).append(got)
                    print(
                        f"round {n + 1} {label}: {pages} pages in {got.seconds:.1f} s, "
                        f"{pages / got.seconds * 60:.1f} pages/min, CPU {got.cpu:.0f} s, "
                        f"load {got.load:.1f}",
                        flush=True,
                    )
            for label, carrier in apart if n % 2 == 0 else apart[::-1]:
                got = run(corpus, truth, files, "latency", carrier)
                latency.setdefault(label, []).append(got)
                print(
                    f"round {n + 1} {label}: classify p95 {p95(got.latencies):.2f} s, "
                    f"load {got.load:.1f}",
                    flush=True,
                )

    def ppm(r: Run) -> float:
        return pages / r.seconds * 60

    medians = {label: statistics.median(ppm(r) for r in runs) for label, runs in throughput.items()}
    cpu = {
        label: statistics.median(r.cpu / pages for r in runs) for label, runs in throughput.items()
    }
    rows = []
    for label, runs in throughput.items():
        rates = [ppm(r) for r in runs]
        rows.append(
            f"| {label} | {medians[label]:.1f} | {min(rates):.1f}–{max(rates):.1f} | "
            f"{' / '.join(f'{x:.1f}' for x in rates)} | "
            f"{cpu[label]:.2f} | "
            f"{' / '.join(f'{r.load:.1f}' for r in runs)} |"
        )
    ratios = [
        f"{celery_label}: pages/min {medians[celery_label] / medians[pool_label] * 100 - 100:+.1f} %, "
        f"CPU per page {cpu[celery_label] / cpu[pool_label] * 100 - 100:+.1f} %"
        for (pool_label, _), (celery_label, _) in pairs
    ]
    body = "\n".join(
        [
            f"Measured with `bench/scale.py --pages {pages} --rounds {args.rounds}`: "
            "single-page demo scans, SQLite, tesseract; the pool and Celery runs interleaved "
            "(A/B, then B/A in the next round). The machine (2 cores) was shared with other "
            "engineers' work while this ran: the load average at the end of each run is given "
            "beside it, and the spread between rounds is the noise the comparison has to beat. "
            "CPU per page counts every process of the run (this one, the workers and their "
            "processes, redis-server) over the timed part: the work done, whatever else ran.",
            "",
            "| run | median pages/min | spread | each round | median CPU s/page | load |",
            "|---|---:|---:|---|---:|---|",
            *rows,
            "",
            "Celery against the pool, medians: " + "; ".join(ratios) + " (goal: pages/min "
            "within 5 %).",
            "",
            "Classify step, from its job's creation to its journal event (waiting plus the "
            f"step), every page uploaded at once so that OCR is saturated ({pages} items a "
            "round, all rounds together):",
            "",
            "| run | p50 s | p95 s | max s |",
            "|---|---:|---:|---:|",
            *(
                f"| {label} | {statistics.median(w):.2f} | {p95(w):.2f} | {max(w):.2f} |"
                for label, w in (
                    (label, [x for r in runs for x in r.latencies])
                    for label, runs in latency.items()
                )
            ),
        ]
    )
    print(body)
    if args.write_docs:
        record("Scaling out (Celery)", "scale", body)


if __name__ == "__main__":
    main()
