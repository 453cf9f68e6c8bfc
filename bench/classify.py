"""Classification accuracy on the demo township, through the real pipeline.

Builds (or reuses) the demo corpus, ingests every file into a fresh archive, runs
the workers until idle and compares each item with the generator's ground truth:

    .venv/bin/python bench/classify.py [--villages 3] [--per-village 10] [--hints]
                                       [--engine tesseract|rapidocr]

Prints document-type accuracy, household accuracy, the share sent to review and the
error rate among auto-filed items, and records them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from bench.report import record  # noqa: E402
from dangan.archive.context import init_archive  # noqa: E402
from dangan.archive.models import Document  # noqa: E402
from dangan.archive.roster import import_roster  # noqa: E402
from dangan.demo.build import build_township  # noqa: E402
from dangan.ingest.receive import receive_stream  # noqa: E402
from dangan.ingest.worker import WorkerPool  # noqa: E402


def _truth_parts(truth: dict) -> dict[tuple[str, str | None], dict]:
    """Each item the ground truth expects, by (file's SHA-256, page range if split)."""
    parts = {}
    for entry in truth["files"]:
        many = len(entry["parts"]) > 1
        for part in entry["parts"]:
            parts[(entry["sha256"], part["pages"] if many else None)] = part
    return parts


def _hints(path: str) -> dict[str, str]:
    village, folder = path.split("/")[:2]
    hints = {"hint_village": village[:3]}
    if folder[:3].isdigit():
        hints["hint_household"] = folder[:3]
    return hints


def run(villages: int, per_village: int, seed: int, use_hints: bool, corpus: Path | None) -> dict:
    corpus = (
        corpus
        or Path(tempfile.gettempdir()) / f"dangan-bench-corpus-{seed}-{villages}x{per_village}"
    )
    if not (corpus / "ground_truth.json").exists():
        build_township(corpus, seed, villages, per_village)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    home = Path(tempfile.mkdtemp(prefix="dangan-bench-classify-"))
    os.environ.pop("DANGAN_DATABASE_URL", None)
    arc, _ = init_archive(
        home, fonds=truth["township"]["fonds"], township=truth["township"]["name"]
    )
    with arc.db.write() as session:
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    for entry in truth["files"]:
        # with hints: one household folder at a time, as `dangan demo` and archivists
        # upload; without: loose files, the folders they came from unknown
        extra = _hints(entry["path"]) if use_hints else {}
        name = entry["path"] if use_hints else entry["path"].rsplit("/", 1)[-1]
        with (corpus / entry["path"]).open("rb") as fh:
            receive_stream(arc, fh, name, actor="bench", extra=extra)
    started = time.monotonic()
    pool = WorkerPool(home).start(until_idle=True)
    while pool.alive():
        time.sleep(1)
    pool.stop()
    seconds = time.monotonic() - started

    expected = _truth_parts(truth)
    counts: Counter[str] = Counter()
    wrong: list[str] = []
    with arc.db.read() as session:
        docs = session.scalars(
            select(Document).options(selectinload(Document.household), selectinload(Document.file))
        ).all()
        for doc in docs:
            part = expected.get((doc.file.sha256, doc.source_pages))
            counts["items"] += 1
            if part is None:
                counts["unmatched"] += 1
                wrong.append(f"unmatched split {doc.file.original_name} {doc.source_pages}")
                continue
            type_ok = doc.doc_type == part["doc_type"]
            household = doc.household.household_no if doc.household else None
            village_ok = (doc.village.code if doc.village else None) == part["village_code"]
            household_ok = village_ok and household == part["household_no"]
            counts["type_ok"] += type_ok
            counts["household_ok"] += household_ok
            counts[doc.status] += 1
            if doc.status == "filed":
                counts["filed_wrong"] += not (type_ok and household_ok)
                if not (type_ok and household_ok):
                    wrong.append(
                        f"{doc.file.original_name} {doc.source_pages or ''}: got {doc.doc_type}/"
                        f"{household} want {part['doc_type']}/{part['household_no']}"
                    )
    items = counts["items"] or 1
    filed = counts["filed"] or 1
    return {
        "villages": villages,
        "households": villages * per_village,
        "hints": use_hints,
        "files": len(truth["files"]),
        "items": counts["items"],
        "expected_items": len(expected),
        "type_accuracy": counts["type_ok"] / items,
        "household_accuracy": counts["household_ok"] / items,
        "review_share": counts["needs_review"] / items,
        "failed": counts["failed"],
        "auto_filed_error": counts["filed_wrong"] / filed,
        "pipeline_seconds": round(seconds, 1),
        "examples_wrong": wrong[:15],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=3)
    parser.add_argument("--per-village", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--hints", action="store_true", help="upload with village/household hints")
    parser.add_argument("--corpus", type=Path, help="an already built corpus")
    parser.add_argument("--engine", choices=("tesseract", "rapidocr"), default="tesseract")
    args = parser.parse_args()
    os.environ["DANGAN_OCR_ENGINE"] = args.engine
    result = run(args.villages, args.per_village, args.seed, args.hints, args.corpus)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    mode = "with folder hints" if result["hints"] else "without hints"
    how = (
        "each household's folder uploaded with its village and household given"
        if result["hints"]
        else "loose files uploaded by their base name, no village or household given"
    )
    key = f"classify-{mode}" + ("" if args.engine == "tesseract" else f"-{args.engine}")
    record(
        "Classification",
        key,
        f"""Demo township seed {args.seed}: {result["villages"]} villages, {result["households"]} households,
{result["files"]} files, {result["items"]} items ({result["expected_items"]} in the ground truth), {mode}:
{how}. OCR by {args.engine}: `.venv/bin/python bench/classify.py{" --hints" if result["hints"] else ""} --engine {args.engine}`.

| measure | figure | goal |
|---|---|---|
| document-type accuracy | {result["type_accuracy"]:.1%} | ≥ 97 % |
| household accuracy | {result["household_accuracy"]:.1%} | ≥ 97 % |
| share sent to review | {result["review_share"]:.1%} | ≤ 15 % |
| error among auto-filed items | {result["auto_filed_error"]:.1%} | ≤ 1 % |
| failed items | {result["failed"]} | 0 |
| pipeline time (2 workers) | {result["pipeline_seconds"]} s | |
""",
    )


if __name__ == "__main__":
    main()
