"""Classification accuracy on the demo township, through the real pipeline.

Builds (or reuses) the demo corpus, ingests every file into a fresh archive, runs
the workers until idle and compares each item with the generator's ground truth:

    .venv/bin/python bench/classify.py [--villages 3] [--per-village 10]
        [--layouts classic|developed|unseen | --unseen] [--upload hints|loose|scanner]
        [--engine tesseract|rapidocr]

`--layouts` picks the generator's family of layouts and wordings (`demo.variants`):
``developed`` is what the rules were tuned against, ``unseen`` (``--unseen``) the
held-out family, measured and never looked at: for it no misfiled example is printed.
`--upload`: ``hints``, each household's folder uploaded with its village and household
given; ``loose``, every file by its base name, no hints; ``scanner``, every file under
the name a scanner or phone gives it (IMG_0001.jpg, 扫描全能王 2019-03-02 09.15.pdf,
新建文档 (2).docx), no hints.

Prints document-type accuracy, household accuracy, the share sent to review and the
error rate among auto-filed items, text-less photos left out (they have only a hint to
go by: their own figure is the share sent to review), and the items of the household
whose roster ID number is invalid; records them in docs/benchmarks.md. The archive is
kept: its folder and the corpus are written to ``$TMPDIR/dangan-bench-classify-
<layouts>-<upload>.json`` for `bench/search.py --recall`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from bench.corpus import township  # noqa: E402
from bench.report import record  # noqa: E402
from dangan.archive.context import init_archive, open_archive  # noqa: E402
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


def scanner_name(path: str, index: int, rng: random.Random) -> str:
    """The name a scanner, a scanning app or a phone would give the file."""
    ext = path.rsplit(".", 1)[-1].lower()
    when = dt.datetime(2019, 3, 2, 9, 15) + dt.timedelta(minutes=37 * index)
    if ext == "docx":
        return rng.choice(("新建文档", "新建 Microsoft Word 文档", "文档")) + f" ({index}).docx"
    if ext == "pdf":
        return rng.choice(
            (
                f"扫描全能王 {when:%Y-%m-%d %H.%M}.pdf",
                f"CamScanner {when:%m-%d-%Y %H.%M}.pdf",
                f"Scan_{index:04d}.pdf",
            )
        )
    if ext in ("jpg", "jpeg"):
        return rng.choice(
            (f"IMG_{index:04d}.jpg", f"IMG_{when:%Y%m%d_%H%M%S}.jpg", f"mmexport{index}.jpg")
        )
    return f"Scan{index:04d}.{ext}"


def _hints(path: str) -> dict[str, str]:
    village, folder = path.split("/")[:2]
    hints = {"hint_village": village[:3]}
    if folder[:3].isdigit():
        hints["hint_household"] = folder[:3]
    return hints


def run(
    villages: int,
    per_village: int,
    seed: int,
    upload: str,
    corpus: Path | None,
    layouts: str = "classic",
) -> dict:
    corpus = corpus or township(seed, villages, per_village, layouts)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    home = Path(tempfile.mkdtemp(prefix="dangan-bench-classify-"))
    os.environ.pop("DANGAN_DATABASE_URL", None)
    arc, _ = init_archive(
        home, fonds=truth["township"]["fonds"], township=truth["township"]["name"]
    )
    with arc.db.write() as session:
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    rng = random.Random(f"scanner-names:{seed}")
    for index, entry in enumerate(truth["files"], 1):
        # with hints: one household folder at a time, as `dangan demo` and archivists
        # upload; without: loose files, the folders they came from unknown
        extra = _hints(entry["path"]) if upload == "hints" else {}
        name = {
            "hints": entry["path"],
            "loose": entry["path"].rsplit("/", 1)[-1],
            "scanner": scanner_name(entry["path"], index, rng),
        }[upload]
        with (corpus / entry["path"]).open("rb") as fh:
            receive_stream(arc, fh, name, actor="bench", extra=extra)
    started = time.monotonic()
    pool = WorkerPool(home).start(until_idle=True)
    while pool.alive():
        time.sleep(1)
    pool.stop()
    seconds = round(time.monotonic() - started, 1)
    state = Path(tempfile.gettempdir()) / f"dangan-bench-classify-{layouts}-{upload}.json"
    state.write_text(
        json.dumps({"home": str(home), "corpus": str(corpus), "pipeline_seconds": seconds}),
        encoding="utf-8",
    )
    return evaluate(layouts, upload)


def evaluate(layouts: str, upload: str) -> dict:
    """The figures of the archive the last run for `layouts` and `upload` kept."""
    state = json.loads(
        (Path(tempfile.gettempdir()) / f"dangan-bench-classify-{layouts}-{upload}.json").read_text()
    )
    home, corpus = Path(state["home"]), Path(state["corpus"])
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    arc = open_archive(home)
    expected = _truth_parts(truth)
    forms = {e["sha256"]: e["form"] for e in truth["files"]}
    bad_id = {
        (f["village_code"], f["household_no"]) for f in truth["faults"] if f["rule"] == "ID_INVALID"
    }
    counts: Counter[str] = Counter()
    photos: Counter[str] = Counter()
    invalid: Counter[str] = Counter()
    wrong: list[str] = []
    with arc.db.read() as session:
        docs = session.scalars(
            select(Document).options(selectinload(Document.household), selectinload(Document.file))
        ).all()
        for doc in docs:
            part = expected.get((doc.file.sha256, doc.source_pages))
            counts["items"] += 1
            if part is None:  # a feeder scan split elsewhere than the forms were joined
                counts["unmatched"] += 1
                counts["measured"] += 1
                counts[doc.status] += 1
                counts["filed_wrong"] += doc.status == "filed"
                wrong.append(f"unmatched split {doc.file.original_name} {doc.source_pages}")
                continue
            type_ok = doc.doc_type == part["doc_type"]
            household = doc.household.household_no if doc.household else None
            village_ok = (doc.village.code if doc.village else None) == part["village_code"]
            household_ok = village_ok and household == part["household_no"]
            if forms[doc.file.sha256] == "photo":  # no text: only a hint can place it
                photos["items"] += 1
                photos[doc.status] += 1
                photos["filed_wrong"] += doc.status == "filed" and not (type_ok and household_ok)
                continue
            if (part["village_code"], part["household_no"]) in bad_id:
                invalid["items"] += 1
                invalid["household_ok"] += household_ok
                invalid[doc.status] += 1
            counts["measured"] += 1
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
    items = counts["measured"] or 1
    filed = counts["filed"] or 1
    return {
        "villages": len(truth["villages"]),
        "households": len(truth["households"]),
        "layouts": layouts,
        "upload": upload,
        "home": str(home),
        "files": len(truth["files"]),
        "items": counts["items"],
        "measured_items": counts["measured"],
        "expected_items": len(expected),
        "unmatched": counts["unmatched"],
        "photos": photos["items"],
        "photos_review_share": photos["needs_review"] / (photos["items"] or 1),
        "photos_filed_wrong": photos["filed_wrong"],
        "invalid_id_items": invalid["items"],
        "invalid_id_household_accuracy": invalid["household_ok"] / (invalid["items"] or 1),
        "invalid_id_review_share": invalid["needs_review"] / (invalid["items"] or 1),
        "type_accuracy": counts["type_ok"] / items,
        "household_accuracy": counts["household_ok"] / items,
        "review_share": counts["needs_review"] / items,
        "failed": counts["failed"],
        "auto_filed_error": counts["filed_wrong"] / filed,
        "pipeline_seconds": state.get("pipeline_seconds"),
        # the held-out family is measured, never looked at
        "examples_wrong": [] if layouts == "unseen" else wrong[:15],
    }


def text_figures(layouts: str, seed: int, villages: int, per_village: int) -> dict:
    """The rules alone: every item's ground-truth text (no OCR, no file names, no hints)
    through `decide`, in the corpus's order, a sure village paper filed as it goes (its
    cadres then place later papers)."""
    from dangan.archive.models import StoredFile
    from dangan.ingest.classify import THRESHOLD, decide

    corpus = Path(tempfile.mkdtemp(prefix="dangan-bench-text-"))
    truth = build_township(corpus, seed, villages, per_village, render=False, layouts=layouts)
    home = Path(tempfile.mkdtemp(prefix="dangan-bench-text-home-"))
    os.environ.pop("DANGAN_DATABASE_URL", None)
    arc, _ = init_archive(home, fonds=truth.township["fonds"], township=truth.township["name"])
    with arc.db.write() as session:
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    counts: Counter[str] = Counter()
    with arc.db.write() as session:
        stored = StoredFile(sha256="0" * 64, size=0, original_name="text")
        session.add(stored)
        for entry in truth.files:
            if entry["form"] == "photo":
                continue
            for part in entry["parts"]:
                d = decide(
                    session,
                    arc.scheme,
                    "\n".join(part["text"]),
                    kind="pdf",
                    metadata={},
                    hints={},
                    model=None,
                )
                type_ok = d.doc_type == part["doc_type"]
                household_ok = (d.village.code if d.village else None) == part["village_code"] and (
                    d.household.household_no if d.household else None
                ) == part["household_no"]
                sure = d.confidence >= THRESHOLD and not d.reasons
                if sure and d.people:
                    session.add(
                        Document(
                            file=stored,
                            status="filed",
                            village=d.village,
                            extra={"people": d.people},
                        )
                    )
                    session.flush()
                counts["items"] += 1
                counts["type_ok"] += type_ok
                counts["household_ok"] += household_ok
                counts["review"] += not sure
                counts["filed_wrong"] += sure and not (type_ok and household_ok)
    n = counts["items"] or 1
    return {
        "layouts": layouts,
        "items": counts["items"],
        "type_accuracy": counts["type_ok"] / n,
        "household_accuracy": counts["household_ok"] / n,
        "review_share": counts["review"] / n,
        "auto_filed_error": counts["filed_wrong"] / max(1, n - counts["review"]),
    }


MODES = {
    "hints": "each household's folder uploaded with its village and household given",
    "loose": "loose files uploaded by their base name, no village or household given",
    "scanner": "loose files uploaded under the names scanners and phones give them "
    "(IMG_0001.jpg, 扫描全能王 2019-03-02 09.15.pdf, 新建文档 (2).docx), no hints",
}
LAYOUTS = {
    "classic": "the one layout family of `dangan demo`",
    "developed": "the layouts and wordings the rules were developed against (`demo.variants`)",
    "unseen": "the held-out family of layouts and wordings, never looked at while tuning",
}


def _key(layouts: str, upload: str, engine: str) -> str:
    if layouts == "classic" and upload in ("hints", "loose"):  # the first figures' keys
        key = "classify-" + ("with folder hints" if upload == "hints" else "without hints")
    else:
        key = f"classify-{layouts}-{upload}"
    return key + ("" if engine == "tesseract" else f"-{engine}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=3)
    parser.add_argument("--per-village", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--layouts", choices=tuple(LAYOUTS), default="classic")
    parser.add_argument("--unseen", action="store_true", help="the held-out layout family")
    parser.add_argument("--upload", choices=tuple(MODES), default="loose")
    parser.add_argument("--hints", action="store_true", help="the same as --upload hints")
    parser.add_argument("--corpus", type=Path, help="an already built corpus")
    parser.add_argument("--engine", choices=("tesseract", "rapidocr"), default="tesseract")
    parser.add_argument(
        "--evaluate", action="store_true", help="figures of the archive the last run kept"
    )
    parser.add_argument(
        "--text", action="store_true", help="the rules alone on the generator's text, no OCR"
    )
    args = parser.parse_args()
    layouts = "unseen" if args.unseen else args.layouts
    upload = "hints" if args.hints else args.upload
    if args.text:
        rows = [text_figures(f, args.seed, args.villages, args.per_village) for f in LAYOUTS]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        lines = "\n".join(
            f"| {r['layouts']} | {r['items']} | {r['type_accuracy']:.1%} | "
            f"{r['household_accuracy']:.1%} | {r['review_share']:.1%} | {r['auto_filed_error']:.1%} |"
            for r in rows
        )
        record(
            "Classification",
            "classify-text",
            f"""The rules alone, on each layout family's own text (`.venv/bin/python
bench/classify.py --text`): seed {args.seed}, {args.villages} villages × {args.per_village}
households, every item's ground-truth text through `ingest.classify.decide` (no OCR, no
file names, no hints; text-less photos left out).

| layouts | items | type | household | review | error among auto-filed |
|---|---|---|---|---|---|
{lines}
""",
        )
        return
    os.environ["DANGAN_OCR_ENGINE"] = args.engine
    r = (
        evaluate(layouts, upload)
        if args.evaluate
        else run(args.villages, args.per_village, args.seed, upload, args.corpus, layouts)
    )
    print(json.dumps(r, ensure_ascii=False, indent=2))
    flags = (" --unseen" if layouts == "unseen" else f" --layouts {layouts}") + (
        f" --upload {upload}"
    )
    record(
        "Classification",
        _key(layouts, upload, args.engine),
        f"""Demo township seed {args.seed}, {LAYOUTS[layouts]}: {r["villages"]} villages,
{r["households"]} households, {r["files"]} files, {r["items"]} items ({r["expected_items"]} in the
ground truth); {MODES[upload]}. OCR by {args.engine}:
`.venv/bin/python bench/classify.py{flags} --engine {args.engine}`.
Text-less photos ({r["photos"]} items) are left out of the first four rows; items of a feeder
scan split elsewhere than the forms were joined ({r["unmatched"]}) count as wrong in them.

| measure | figure | goal |
|---|---|---|
| document-type accuracy | {r["type_accuracy"]:.1%} | ≥ 97 % |
| household accuracy | {r["household_accuracy"]:.1%} | ≥ 97 % |
| share sent to review | {r["review_share"]:.1%} | ≤ 12 % |
| error among auto-filed items | {r["auto_filed_error"]:.1%} | ≤ 0.5 % |
| text-less photos sent to review | {r["photos_review_share"]:.1%} ({r["photos_filed_wrong"]} filed wrongly) | ≥ 95 % |
| items of the household with an invalid roster ID ({r["invalid_id_items"]}): household accuracy, review | {r["invalid_id_household_accuracy"]:.1%}, {r["invalid_id_review_share"]:.1%} | |
| failed items | {r["failed"]} | 0 |
| pipeline time (2 workers) | {r["pipeline_seconds"]} s | |
""",
    )


if __name__ == "__main__":
    main()
