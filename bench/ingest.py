"""Ingest speed and OCR accuracy on the demo township's scanned pages.

    .venv/bin/python bench/ingest.py [--per-group 8] [--engine tesseract|rapidocr]

Takes single-page scans, phone photos and Traditional scans from the demo corpus,
times the raw OCR engine on them (one process; for tesseract the settings the pipeline
uses, with the right language model for each page given, not detected; for RapidOCR
the engine on the unprepared image), then the whole pipeline (receive → extract →
classify → file) with 1 and with 2 workers, and measures the character error rate
against the generator's text. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pytesseract  # noqa: E402
from PIL import Image  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from archive.context import init_archive  # noqa: E402
from archive.demo.build import build_township  # noqa: E402
from archive.models import Document  # noqa: E402
from bench.report import record  # noqa: E402
from ingest.ocr.rapid import RapidOcrEngine  # noqa: E402
from ingest.ocr.tesseract import CONFIG  # noqa: E402
from ingest.receive import receive_stream  # noqa: E402
from ingest.worker import WorkerPool  # noqa: E402

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


def raw_ocr(corpus: Path, files: list[tuple[str, dict]], engine: str) -> float:
    """Seconds for the OCR engine alone on the same pages: tesseract with chi_sim, or
    chi_tra for Traditional pages; RapidOCR (one model for both) loaded and run."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    started = time.monotonic()
    rapid = RapidOcrEngine() if engine == "rapidocr" else None
    for group, entry in files:
        path = corpus / entry["path"]
        if rapid is not None:
            with Image.open(path) as image:
                rapid.recognize(image, False)
            continue
        lang = "chi_tra" if group == "traditional scan" else "chi_sim"
        pytesseract.image_to_string(str(path), lang=lang, config=CONFIG)
    return time.monotonic() - started


def pipeline(
    corpus: Path, truth: dict, files: list[tuple[str, dict]], workers: int
) -> tuple[float, dict, dict]:
    """(seconds, mean CER per group, pages per group read with the Traditional model)."""
    home = Path(tempfile.mkdtemp(prefix=f"dangan-bench-ingest-{workers}-"))
    os.environ.pop("DANGAN_DATABASE_URL", None)
    arc, _ = init_archive(
        home, fonds=truth["township"]["fonds"], township=truth["township"]["name"]
    )
    for _group_name, entry in files:
        with (corpus / entry["path"]).open("rb") as fh:
            receive_stream(arc, fh, entry["path"], actor="bench")
    started = time.monotonic()
    pool = WorkerPool(home, processes=workers).start(until_idle=True)
    while pool.alive():
        time.sleep(0.2)
    seconds = time.monotonic() - started
    pool.stop()
    errors: dict[str, list[float]] = {g: [] for g in GROUPS}
    traditional: dict[str, int] = dict.fromkeys(GROUPS, 0)
    by_path = {e["path"]: (g, e) for g, e in files}
    with arc.db.read() as session:
        for doc in session.scalars(select(Document).options(selectinload(Document.page_rows))):
            group, entry = by_path[doc.file.original_name]
            expected = "\n".join(entry["parts"][0]["text"])
            got = "\n".join(p.text for p in doc.page_rows)
            errors[group].append(cer(expected, got))
            traditional[group] += any("chi_tra" in (p.engine or "") for p in doc.page_rows)
    return seconds, {g: sum(v) / len(v) for g, v in errors.items() if v}, traditional


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-group", type=int, default=8, help="pages of each kind")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--engine", choices=("tesseract", "rapidocr"), default="tesseract")
    args = parser.parse_args()
    os.environ["DANGAN_OCR_ENGINE"] = args.engine
    corpus = Path(tempfile.gettempdir()) / f"dangan-bench-corpus-{args.seed}-3x10"
    if not (corpus / "ground_truth.json").exists():
        build_township(corpus, args.seed, 3, 10)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    files = pick(truth, args.per_group)
    pages = len(files)
    raw = raw_ocr(corpus, files, args.engine)
    one, cer_one, traditional = pipeline(corpus, truth, files, 1)
    two, _, _ = pipeline(corpus, truth, files, 2)
    result = {
        "pages": pages,
        "engine": args.engine,
        "raw_ocr_s": round(raw, 1),
        "pipeline_1_worker_s": round(one, 1),
        "pipeline_2_workers_s": round(two, 1),
        "pages_per_min_1": round(pages / one * 60, 1),
        "pages_per_min_2": round(pages / two * 60, 1),
        "overhead": round(one / raw, 2),
        "cer": {g: round(v, 4) for g, v in cer_one.items()},
        "read_as_traditional": traditional,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    rows = "\n".join(
        f"| CER, {g} | {result['cer'].get(g, float('nan')):.1%} | {goal} |"
        for g, goal in zip(GROUPS, ("≤ 2 %", "≤ 5 %", "≤ 5 %"), strict=True)
    )
    read_tra = ", ".join(f"{g} {n}/{args.per_group}" for g, n in traditional.items())
    record(
        "Ingest",
        f"ingest-speed-accuracy-{args.engine}",
        f"""### OCR engine: {args.engine}

`.venv/bin/python bench/ingest.py --per-group {args.per_group} --engine {args.engine}`: {pages} single-page
images from the demo township (seed {args.seed}): {args.per_group} flatbed scans, {args.per_group} Traditional
scans and {args.per_group} phone photos, through receive → extract → classify → file.
Pages read with the Traditional model: {read_tra}.

| measure | figure | goal |
|---|---|---|
| raw {args.engine}, same pages, 1 process | {result["raw_ocr_s"]} s | |
| pipeline, 1 worker | {result["pipeline_1_worker_s"]} s ({result["pages_per_min_1"]} pages/min) | |
| pipeline, 2 workers | {result["pipeline_2_workers_s"]} s ({result["pages_per_min_2"]} pages/min) | |
| pipeline ÷ raw OCR (1 worker) | {result["overhead"]} × | ≤ 1.10 × |
{rows}
""",
    )


if __name__ == "__main__":
    main()
