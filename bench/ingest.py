"""Ingest speed and OCR accuracy on the demo township's scanned pages.

    .venv/bin/python bench/ingest.py [--per-group 8] [--sample 40]
                                     [--engine hybrid|tesseract|rapidocr]
                                     [--layouts classic|developed|unseen | --unseen]

Accuracy: single-page Simplified scans, Traditional scans and phone photos from the demo
corpus, a group at a time through the whole pipeline (receive → extract → classify →
file) with 1 worker, the township's roster imported first as in use (its names are among
the words OCR mends towards, `ingest.ocr.vocabulary`); the character error rate against
the generator's text, and each group's time against the raw engine's on the same files.

Speed: `--sample` single-page images taken evenly through the corpus, so Traditional
pages and photos come in the township's own proportions (about 7 % and 23 %), through
the pipeline with 1 and with 2 workers, against the raw engine on the same files, in one
process and in two at once (as the 2 workers run).

"Raw" is the OCR engine alone on the same files, with the right language model for each
page given, not detected, timed just before and just after the pipeline and averaged
(this machine's speed drifts by up to a third between runs). For tesseract it is
measured two ways: the `tesseract` program run on each file with the pipeline's settings
(`--oem 1 --psm 3`), which loads its model for every page, and the same library in one
process with its models loaded once, as the workers run it. "hybrid" (tesseract, its
doubtful lines read again by PP-OCR's recognition model, `ingest.ocr.reread`) is held
against raw tesseract, the engine it must keep close to. For RapidOCR the model is loaded
and run on each image as it is. The workers are started and warm before the
clock starts. The machine is shared: the load average before and after and the CPU time
the run took beside its wall time are printed and written with the figures. Figures go
to docs/benchmarks.md. `--layouts` picks the generator's family
of layouts and wordings (`demo.variants`); ``--unseen`` is the held-out family.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from bench.corpus import township  # noqa: E402
from bench.report import record  # noqa: E402
from dangan.archive.context import Archive, init_archive  # noqa: E402
from dangan.archive.models import Document  # noqa: E402
from dangan.archive.roster import import_roster  # noqa: E402
from dangan.ingest.ocr import DEFAULT_ENGINE, ENGINES  # noqa: E402
from dangan.ingest.ocr.rapid import RapidOcrEngine  # noqa: E402
from dangan.ingest.ocr.tesseract import PAGE_MODE, read_tsv  # noqa: E402
from dangan.ingest.receive import receive_stream  # noqa: E402
from dangan.ingest.worker import WorkerPool  # noqa: E402

GROUPS = ("simplified scan", "traditional scan", "phone photo")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def cer(reference: str, hypothesis: str) -> float:
    ref = _norm(reference)
    return Levenshtein.distance(ref, _norm(hypothesis)) / max(len(ref), 1)


def _group(entry: dict) -> str | None:
    if entry["pages"] != 1 or entry["format"] not in ("jpg", "png", "tif"):
        return None
    if entry["form"] == "phone":
        return "phone photo"
    if entry["form"] == "scan":
        return "traditional scan" if entry["traditional"] else "simplified scan"
    return None


def pick(truth: dict, per_group: int) -> list[tuple[str, dict]]:
    chosen: dict[str, list[dict]] = {g: [] for g in GROUPS}
    for entry in truth["files"]:
        group = _group(entry)
        if group and len(chosen[group]) < per_group:
            chosen[group].append(entry)
    return [(g, e) for g in GROUPS for e in chosen[g]]


def sample(truth: dict, size: int) -> list[tuple[str, dict]]:
    """`size` single-page images taken evenly through the corpus, in its proportions."""
    images = [(g, e) for e in truth["files"] if (g := _group(e))]
    step = max(1, len(images) // max(size, 1))
    return images[::step][:size]


def _language(entry: dict) -> str:
    return "chi_tra" if entry["traditional"] else "chi_sim"


def raw_program(corpus: Path, files: list[tuple[str, dict]]) -> float:
    """Seconds for the `tesseract` program on each file as it is, with the pipeline's
    settings: what reading the pages with tesseract alone costs."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.monotonic()
    for _kind, entry in files:
        subprocess.run(
            ["tesseract", str(corpus / entry["path"]), "stdout", "-l", _language(entry),
             "--oem", "1", "--psm", str(PAGE_MODE)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
    return time.monotonic() - started


def _warm(engine: str) -> None:
    """The engine's models loaded, so that no timing includes loading them."""
    blank = Image.new("L", (64, 32), 255)
    if engine == "rapidocr":
        RapidOcrEngine().recognize(blank, False)
    else:
        for lang in ("chi_sim", "chi_tra"):
            read_tsv(blank, lang, PAGE_MODE)


def _read_raw(corpus: Path, files: list[tuple[str, dict]], engine: str) -> float:
    """The CPU seconds this process took to read `files`."""
    rapid = RapidOcrEngine() if engine == "rapidocr" else None
    started = time.process_time()
    for _kind, entry in files:
        with Image.open(corpus / entry["path"]) as image:
            if rapid is not None:
                rapid.recognize(image, False)
            else:
                read_tsv(image, _language(entry), PAGE_MODE)
    return time.process_time() - started


def raw_library(corpus: Path, files: list[tuple[str, dict]], engine: str) -> tuple[float, float]:
    """(seconds, CPU seconds) for the engine in this process, its models loaded before
    the clock starts: tesseract's library on each file as it is, or RapidOCR."""
    _warm(engine)
    started = time.monotonic()
    cpu = _read_raw(corpus, files, engine)
    return time.monotonic() - started, cpu


def raw_library_two(
    corpus: Path, files: list[tuple[str, dict]], engine: str
) -> tuple[float, float]:
    """(seconds, CPU seconds) for the engine in two processes at once, each reading every
    other file, their models loaded before the clock starts: the raw engine on 2 cores."""
    spawn = get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn, initializer=_warm, initargs=(engine,)) as pool:
        list(pool.map(time.sleep, (1.0, 1.0)))  # both processes up and warm
        started = time.monotonic()
        halves = [pool.submit(_read_raw, corpus, files[i::2], engine) for i in (0, 1)]
        cpu = sum(half.result() for half in halves)
        return time.monotonic() - started, cpu


def raw_ocr(
    corpus: Path, files: list[tuple[str, dict]], engine: str, two: bool = False
) -> dict[str, float]:
    """The raw engine's seconds on `files` by way of running it: "program" (tesseract
    only), "library" and, with `two`, "library_2" (two processes); with the CPU seconds
    of the library's readings ("library_cpu", "library_2_cpu")."""
    raw = "rapidocr" if engine == "rapidocr" else "tesseract"
    times = dict(zip(("library", "library_cpu"), raw_library(corpus, files, raw), strict=True))
    if raw == "tesseract":
        times["program"] = raw_program(corpus, files)
    if two:
        times.update(
            zip(("library_2", "library_2_cpu"), raw_library_two(corpus, files, raw), strict=True)
        )
    return times


Run = tuple[float, dict, dict]


def bracketed(
    corpus: Path,
    files: list[tuple[str, dict]],
    engine: str,
    run: Callable[[], Run],
    two: bool = False,
) -> tuple[dict[str, float], Run]:
    """(the raw engine's times on `files`, `run()`): each raw time is the mean of a run
    before `run()` and one after, since this machine's speed drifts by up to a third
    between runs minutes apart."""
    before = raw_ocr(corpus, files, engine, two)
    result = run()
    after = raw_ocr(corpus, files, engine, two)
    return {way: (before[way] + after[way]) / 2 for way in before}, result


def _pending(arc: Archive) -> int:
    with arc.db.read() as session:
        return session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.status.in_(("queued", "processing")))
        )


def _until_done(arc: Archive) -> None:
    while _pending(arc):
        time.sleep(0.1)


def _cpu_of(pids: list[int | None]) -> float:
    """CPU seconds the processes `pids` have taken so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def pipeline(corpus: Path, truth: dict, files: list[tuple[str, dict]], workers: int) -> Run:
    """(seconds, CER of each page by group, counts): counts["traditional"] and
    counts["reread"] are per group the pages read with the Traditional model and the
    lines read again by a second engine, counts["cpu_s"] the CPU seconds the workers
    and the receiving took. The workers are running and warm (one text PDF through
    first) before the clock starts, as in a server: the time is from the first upload to
    the last item decided, receiving included, starting the worker processes not."""
    home = Path(tempfile.mkdtemp(prefix=f"dangan-bench-ingest-{workers}-"))
    os.environ.pop("DANGAN_DATABASE_URL", None)
    arc, _ = init_archive(
        home, fonds=truth["township"]["fonds"], township=truth["township"]["name"]
    )
    with arc.db.write() as session:  # as in use: the roster first, then the papers
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    warm = next(e for e in truth["files"] if e["form"] == "pdf_text")
    pool = WorkerPool(home, processes=workers).start()
    try:
        with (corpus / warm["path"]).open("rb") as fh:
            receive_stream(arc, fh, "warm-up.pdf", actor="bench")
        _until_done(arc)
        pids = [proc.pid for proc in pool.processes]
        started, cpu = time.monotonic(), _cpu_of(pids) + time.process_time()
        for _group_name, entry in files:
            with (corpus / entry["path"]).open("rb") as fh:
                receive_stream(arc, fh, entry["path"], actor="bench")
        _until_done(arc)
        seconds = time.monotonic() - started
        cpu = _cpu_of(pids) + time.process_time() - cpu
    finally:
        pool.stop()
    errors: dict[str, list[float]] = {g: [] for g in GROUPS}
    traditional: dict[str, int] = dict.fromkeys(GROUPS, 0)
    reread: dict[str, int] = dict.fromkeys(GROUPS, 0)
    by_path = {e["path"]: (g, e) for g, e in files}
    with arc.db.read() as session:
        for doc in session.scalars(select(Document).options(selectinload(Document.page_rows))):
            if doc.file.original_name not in by_path:
                continue  # the warm-up
            group, entry = by_path[doc.file.original_name]
            expected = "\n".join(entry["parts"][0]["text"])
            got = "\n".join(p.text for p in doc.page_rows)
            errors[group].append(cer(expected, got))
            traditional[group] += any("chi_tra" in (p.engine or "") for p in doc.page_rows)
            reread[group] += sum(len(p.reread or ()) for p in doc.page_rows)
    found = {g: v for g, v in errors.items() if v}
    return seconds, found, {"traditional": traditional, "reread": reread, "cpu_s": cpu}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the workers)."""
    return sum(
        getattr(resource.getrusage(who), field)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for field in ("ru_utime", "ru_stime")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-group", type=int, default=8, help="pages of each kind")
    parser.add_argument("--sample", type=int, default=40, help="pages for the speed figures")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    parser.add_argument("--layouts", choices=("classic", "developed", "unseen"), default="classic")
    parser.add_argument("--unseen", action="store_true", help="the held-out layout family")
    args = parser.parse_args()
    if args.unseen:
        args.layouts = "unseen"
    os.environ["DANGAN_OCR_ENGINE"] = args.engine
    corpus = township(args.seed, 3, 10, args.layouts)
    family = "" if args.layouts == "classic" else f"-{args.layouts}"
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    load_before, wall, cpu = _load(), time.monotonic(), _cpu_seconds()
    files = pick(truth, args.per_group)
    groups: dict[str, dict] = {}
    for group in GROUPS:
        mine = [(g, e) for g, e in files if g == group]
        raw, (seconds, errors, counts) = bracketed(
            corpus, mine, args.engine, lambda mine=mine: pipeline(corpus, truth, mine, 1)
        )
        walls = {way: t for way, t in raw.items() if not way.endswith("_cpu")}
        groups[group] = {
            "pages": len(mine),
            "raw_s": {way: round(t, 1) for way, t in walls.items()},
            "pipeline_s": round(seconds, 1),
            "ratio": {way: round(seconds / t, 2) for way, t in walls.items()},
            "raw_cpu_s": round(raw["library_cpu"], 1),
            "pipeline_cpu_s": round(counts["cpu_s"], 1),
            "cpu_ratio": round(counts["cpu_s"] / raw["library_cpu"], 2),
            "cer": round(_mean(errors[group]), 4),
            "cer_median": round(statistics.median(errors[group]), 4),
            "read_as_traditional": counts["traditional"][group],
            "lines_reread": counts["reread"][group],
        }
    mix = sample(truth, args.sample)
    raw_all, (one, mix_errors, one_counts) = bracketed(
        corpus, mix, args.engine, lambda: pipeline(corpus, truth, mix, 1), two=True
    )
    two, _, two_counts = pipeline(corpus, truth, mix, 2)
    pages = len(mix)
    kinds = {g: sum(1 for x, _ in mix if x == g) for g in GROUPS}
    traditional = sum(1 for _, e in mix if e["traditional"])
    result = {
        "engine": args.engine,
        "sample_pages": pages,
        "sample_kinds": kinds,
        "sample_traditional": traditional,
        "raw_ocr_s": {way: round(t, 1) for way, t in raw_all.items()},
        "pipeline_1_worker_s": round(one, 1),
        "pipeline_2_workers_s": round(two, 1),
        "pages_per_min_1": round(pages / one * 60, 1),
        "pages_per_min_2": round(pages / two * 60, 1),
        "overhead": {w: round(one / raw_all[w], 2) for w in ("library", "program") if w in raw_all},
        "raw_pages_per_min_2": round(pages / raw_all["library_2"] * 60, 1),
        "share_of_raw_2": round(raw_all["library_2"] / two, 2),
        "pipeline_cpu_s": {"1": round(one_counts["cpu_s"], 1), "2": round(two_counts["cpu_s"], 1)},
        "cpu_share_of_raw": {
            "1": round(raw_all["library_cpu"] / one_counts["cpu_s"], 2),
            "2": round(raw_all["library_2_cpu"] / two_counts["cpu_s"], 2),
        },
        "sample_cer": round(_mean([c for v in mix_errors.values() for c in v]), 4),
        "groups": groups,
        "load_average": {"before": load_before, "after": _load()},
        "wall_s": round(time.monotonic() - wall),
        "cpu_s": round(_cpu_seconds() - cpu),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    record("Ingest", f"ingest-speed-accuracy-{args.engine}{family}", report(args, result))


TESSERACT_WAYS = {"program": "the tesseract program", "library": "tesseract in process"}
RAW_WAYS = {
    "hybrid": TESSERACT_WAYS,
    "tesseract": TESSERACT_WAYS,
    "rapidocr": {"library": "RapidOCR"},
}
TESSERACT_NOTE = (
    "tesseract alone on the same files as they are (`--oem 1 --psm 3`, chi_sim, or"
    " chi_tra for Traditional pages: the language given, not detected), two ways: the"
    " `tesseract` program run on each file, which loads its model for every page, and"
    " the same library in one process with its models loaded once, as the workers run it"
)
RAW_NOTE = {
    "hybrid": TESSERACT_NOTE,
    "tesseract": TESSERACT_NOTE,
    "rapidocr": "RapidOCR alone, the model loaded, on each image as it is, no preparation",
}
CER_GOALS = dict(zip(GROUPS, ("≤ 1 %", "≤ 2 %", "≤ 2 %"), strict=True))
SHARE_GOAL = 0.8
"""Pipeline pages/min on 2 workers against the raw engine's on 2 cores (issue 16)."""


def report(args: argparse.Namespace, result: dict) -> str:
    """The Markdown section of docs/benchmarks.md for one run."""
    ways = RAW_WAYS[args.engine]
    rows = "\n".join(
        f"| {g} | {v['pages']} | "
        + " | ".join(f"{v['raw_s'][w]} s" for w in ways)
        + f" | {v['pipeline_s']} s | "
        + " | ".join(f"{v['ratio'][w]} ×" for w in ways)
        + f" | {v['raw_cpu_s']} s | {v['pipeline_cpu_s']} s | {v['cpu_ratio']} × "
        + f"| {v['read_as_traditional']} | {v['lines_reread']} "
        f"| {v['cer']:.1%} (median {v['cer_median']:.1%}) | {CER_GOALS[g]} |"
        for g, v in result["groups"].items()
    )
    raw_heads = " | ".join(f"raw: {label}" for label in ways.values())
    ratio_heads = " | ".join(f"÷ {label}" for label in ways.values())
    rules = "|---" * (10 + 2 * len(ways)) + "|"
    mixed = ", ".join(f"{n} {g}s" for g, n in result["sample_kinds"].items())
    raw_lines = "\n".join(
        f"| raw: {label} | {result['raw_ocr_s'][w]} s | |" for w, label in ways.items()
    )
    ratio_lines = "\n".join(
        f"| pipeline (1 worker) ÷ {label} | {result['overhead'][w]} × | |"
        for w, label in ways.items()
    )
    raw_name = next(iter(ways.values())) if len(ways) == 1 else ways["library"]
    share = result["share_of_raw_2"]
    family = "" if args.layouts == "classic" else f" --layouts {args.layouts}"
    load = result["load_average"]
    cpu, cpu_share = result["pipeline_cpu_s"], result["cpu_share_of_raw"]
    cpu_raw, cpu_raw_2 = result["raw_ocr_s"]["library_cpu"], result["raw_ocr_s"]["library_2_cpu"]
    return f"""### OCR engine: {args.engine}, {args.layouts} layouts

`.venv/bin/python bench/ingest.py --per-group {args.per_group} --sample {args.sample} --engine {args.engine}{family}`:
single-page images from the demo township (seed {args.seed}), through receive → extract →
classify → file, with the workers already running. "Raw" is {RAW_NOTE[args.engine]};
each the mean of a run just before the pipeline's and one just after. CPU times are
beside the wall times: on a machine others load, wall time measures the load as much as
the code, while CPU time divides out (on idle cores, a CPU-bound run's pages/min go as
the inverse of its CPU time per page). "Lines read again"
counts the lines tesseract doubted that PP-OCR's recognition model read again and was
taken for (`ingest.ocr.reread`).

Accuracy, {args.per_group} pages of each kind, a kind at a time with 1 worker:

| kind | pages | {raw_heads} | pipeline, 1 worker | {ratio_heads} | CPU: raw {raw_name} | CPU: pipeline | CPU ratio | read as Traditional | lines read again | CER | CER goal |
{rules}
{rows}

Speed, {result["sample_pages"]} pages taken evenly through the township ({mixed}; {result["sample_traditional"]} of them
Traditional):

| measure | figure | goal |
|---|---|---|
{raw_lines}
| raw: {raw_name}, 2 processes at once | {result["raw_ocr_s"]["library_2"]} s ({result["raw_pages_per_min_2"]} pages/min) | |
| pipeline, 1 worker | {result["pipeline_1_worker_s"]} s ({result["pages_per_min_1"]} pages/min) | |
| pipeline, 2 workers | {result["pipeline_2_workers_s"]} s ({result["pages_per_min_2"]} pages/min) | |
{ratio_lines}
| pipeline pages/min on 2 workers ÷ raw {raw_name} on 2 processes | {share:.0%} | ≥ {SHARE_GOAL:.0%} |
| CPU: raw {raw_name}, 1 process / 2 processes | {cpu_raw} s / {cpu_raw_2} s | |
| CPU: pipeline, 1 worker / 2 workers (workers and receiving) | {cpu["1"]} s / {cpu["2"]} s | |
| raw CPU ÷ pipeline CPU, 1 worker / 2 workers: the pages/min share on idle cores | {cpu_share["1"]:.0%} / {cpu_share["2"]:.0%} | ≥ {SHARE_GOAL:.0%} |
| CER over these pages | {result["sample_cer"]:.1%} | |

Shared machine: load average (1, 5, 15 min) {load["before"]} before the run, {load["after"]} after;
the run took {result["wall_s"]} s of wall time and {result["cpu_s"]} s of CPU time (this process and
its workers).
"""


if __name__ == "__main__":
    main()
