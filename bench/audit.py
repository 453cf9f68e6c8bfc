"""Audit benchmark: recall and precision per rule against the demo generator's planted
faults, and the time and memory of one audit of a large text-only county.

    .venv/bin/python bench/audit.py --villages 12 --per-village 25 --write-docs
    .venv/bin/python bench/audit.py --ocr-home dangan-data --write-docs
    .venv/bin/python bench/audit.py --county 50000 --write-docs

Text (default): a township is generated without rendering (`build_township(...,
render=False)`), its roster imported, and every item filed with the text the generator
wrote: the audit's reading and judging without OCR noise. `--ocr-home`: an archive that
`dangan demo` built and ingested (scans, photos, OCR), against the ground truth of its
corpus. `--county N`: N households of text-only items, audited once in a child process
whose wall time and peak RSS are reported; on SQLite, or on the PostgreSQL database that
DANGAN_DATABASE_URL names (empty: it is migrated, filled and left filled).

A planted fault is found when a finding of its rule names its village and household
(village-wide rules: its village, and the month, the posting period or the helper it is
about; two plantings may overload the same helper, and one finding then finds both).
Precision counts findings of severity "error"; warnings (OCR doubt, unreadable sources)
are counted apart. Findings of rules the generator plants nothing for are listed
apart: they are what the audit says of the generated papers beyond the plan.
Layouts (`--layouts`): classic (the demo's), developed (three layouts and wordings per
form) and the held-out unseen family, which the audit's rules were never tuned on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench.report import record  # noqa: E402
from dangan.archive.context import Archive, init_archive, open_archive  # noqa: E402
from dangan.archive.document_facts import read_document_facts  # noqa: E402
from dangan.archive.models import Document, Household, Page, StoredFile, Village  # noqa: E402
from dangan.archive.roster import import_roster  # noqa: E402
from dangan.audit.run import run_audit  # noqa: E402
from dangan.audit.settings import load_settings  # noqa: E402
from dangan.demo.build import build_township  # noqa: E402
from dangan.demo.forms import document_text, household_documents, village_documents  # noqa: E402
from dangan.demo.people import make_township  # noqa: E402
from dangan.demo.roster import write_roster_xlsx  # noqa: E402


def file_parts(arc: Archive, parts: Iterable[dict[str, Any]]) -> int:
    """Every part filed with its text and the facts the pipeline would read from it,
    inserted in batches (a county's items do not fit in memory at once); returns the
    number of items. A part: {path, doc_type, village_code, household_no, date, title,
    text: [page, ...]}."""
    with arc.db.read() as session:
        villages = dict(session.execute(select(Village.code, Village.id)).all())
        households = {
            (code, no): hid
            for hid, code, no in session.execute(
                select(Household.id, Village.code, Household.household_no).join(Village)
            )
        }
    count = 0
    files: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []

    def flush() -> None:
        with arc.db.write() as session:
            for table, rows in ((StoredFile, files), (Document, docs), (Page, pages)):
                if rows:
                    session.execute(insert(table), rows)
        files.clear(), docs.clear(), pages.clear()

    for part in parts:
        text = part["text"]
        if not any(t.strip() for t in text):
            continue  # a photo: nothing to read
        count += 1
        day = dt.date.fromisoformat(part["date"]) if part.get("date") else None
        facts = read_document_facts(
            part["doc_type"],
            list(enumerate(text, start=1)),
            day.year if day else None,
            arc.scheme.measures,
            ocr=False,  # the generator's own text, as a typed file's text layer gives it
        )
        digest = hashlib.sha256(f"{part['path']}#{count}".encode()).hexdigest()
        files.append({"id": count, "sha256": digest, "size": 1, "original_name": part["path"]})
        docs.append(
            {
                "id": count,
                "file_id": count,
                "status": "filed",
                "doc_type": part["doc_type"],
                "title": part.get("title"),
                "date": day,
                "year": day.year if day else None,
                "village_id": villages.get(part["village_code"]),
                "household_id": households.get((part["village_code"], part.get("household_no"))),
                "pages": len(text),
                "review_reasons": [],
                "extra": {"facts": facts} if facts else {},
            }
        )
        pages.extend(
            {"document_id": count, "page_no": i + 1, "text": t, "engine": "text"}
            for i, t in enumerate(text)
        )
        if len(pages) >= 20_000:
            flush()
    flush()
    return count


def truth_parts(truth: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in truth["files"]:
        for part in entry["parts"]:
            yield {**part, "path": entry["path"], "text": part.get("text") or []}


def generated_parts(township: Any, seed: int) -> Iterator[dict[str, Any]]:
    """The township's documents as the generator writes them, one village at a time."""
    for v in township.villages:
        docs = [d for hh in v.households for d in household_documents(township, v, hh, seed)]
        for doc in [*docs, *village_documents(township, v, seed)]:
            yield {
                "path": f"{doc.village_code}/{doc.household_no or 'CJ'}/{doc.title}",
                "doc_type": doc.doc_type,
                "village_code": doc.village_code,
                "household_no": doc.household_no,
                "date": doc.date.isoformat(),
                "title": doc.title,
                "text": [document_text(doc)],
            }


def text_archive(
    home: Path, villages: int, per_village: int, seed: int, layouts: str = "classic"
) -> dict[str, Any]:
    """An archive of the generated township, its papers in the family of layouts and
    wordings `layouts`, with every item filed as text; its truth."""
    corpus = home / "corpus"
    truth = build_township(
        corpus, seed, villages, per_village, render=False, layouts=layouts
    ).as_dict()
    arc, _ = init_archive(home, fonds="Z105", township="桑村镇", actor="bench")
    with arc.db.write() as session:
        import_roster(session, arc.township(session), corpus / "roster.xlsx", actor="bench")
    truth["items"] = file_parts(arc, truth_parts(truth))
    arc.close()
    return truth


IMAGE_RULES = ("SIGNATURE_MISSING",)
"""Rules judged on page images, which a text-only archive does not have."""


def _matches(fault: dict[str, Any], finding: dict[str, Any]) -> bool:
    if fault["rule"] != finding["rule"] or fault["village_code"] != finding["village_code"]:
        return False
    if fault["rule"] == "MEETING_GAP":
        year, month = (int(x) for x in fault["month"].split("-"))
        return f"{year}年{month}月" in finding["message"]
    if fault["rule"] == "NOTICE_TOO_SHORT":
        return fault["start"] in finding["message"]
    if fault["rule"] == "VISIT_FREQUENCY":
        year, quarter = fault["quarter"].split("-Q")
        return (
            fault["household_no"] == finding["household_no"]
            and f"{year}年第{quarter}季度" in finding["message"]
        )
    if fault["rule"] == "HELPER_OVERLOAD":
        return f"帮扶责任人 {fault['helper']} " in finding["message"]
    return fault["household_no"] == finding["household_no"]


def score(truth: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """Per rule: planted, found, errors, false errors, warnings; and unplanted rules."""
    faults = truth["faults"]
    planted = {f["rule"] for f in faults}
    # a rule nothing was planted for that reports an error has reported a false one
    erring = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    rows = {}
    for rule in sorted(planted | erring):
        mine = [f for f in faults if f["rule"] == rule]
        said = [f for f in report["findings"] if f["rule"] == rule]
        errors = [f for f in said if f["severity"] == "error"]
        found = sum(1 for fault in mine if any(_matches(fault, f) for f in said))
        false = sum(1 for f in errors if not any(_matches(fault, f) for fault in mine))
        rows[rule] = {
            "planted": len(mine),
            "found": found,
            "errors": len(errors),
            "false_errors": false,
            "warnings": len(said) - len(errors),
        }
    others = Counter(
        (f["rule"], f["severity"]) for f in report["findings"] if f["rule"] not in rows
    )
    return {"rules": rows, "unplanted": {f"{r} ({s})": n for (r, s), n in others.items()}}


def table(result: dict[str, Any]) -> str:
    lines = [
        "| rule | planted | found (recall) | errors reported | false errors (precision) | warnings |",
        "|---|---|---|---|---|---|",
    ]
    total = Counter()
    for rule, r in result["rules"].items():
        recall = f"{r['found'] / r['planted']:.0%}" if r["planted"] else "-"
        precision = (r["errors"] - r["false_errors"]) / r["errors"] if r["errors"] else 1
        lines.append(
            f"| {rule} | {r['planted']} | {r['found']} ({recall}) | {r['errors']} | "
            f"{r['false_errors']} ({precision:.0%}) | {r['warnings']} |"
        )
        total.update(r)
    recall = total["found"] / total["planted"] if total["planted"] else 0
    precision = (
        (total["errors"] - total["false_errors"]) / total["errors"] if total["errors"] else 1
    )
    lines.append(
        f"| all | {total['planted']} | {total['found']} ({recall:.0%}) | {total['errors']} | "
        f"{total['false_errors']} ({precision:.0%}) | {total['warnings']} |"
    )
    if result["unplanted"]:
        lines.append("")
        lines.append(
            "Findings of rules nothing was planted for and that reported no error: "
            + ", ".join(f"{k} {v}" for k, v in sorted(result["unplanted"].items()))
            + "."
        )
    return "\n".join(lines)


def audit(home: Path) -> dict[str, Any]:
    arc = open_archive(home)
    try:
        with arc.db.read() as session:
            return run_audit(session, arc.scheme, load_settings(arc.settings.home))
    finally:
        arc.close()


def _timed_audit(home: str, out: Any) -> None:
    start = time.perf_counter()
    report = audit(Path(home))
    seconds = time.perf_counter() - start
    # VmHWM is this process image's own peak: ru_maxrss would carry the parent's over
    # the fork and exec that start it
    status = Path("/proc/self/status").read_text()
    peak = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM"))) / 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    out.send((seconds, cpu, peak, len(report["findings"]), os.getloadavg()[0]))


def county(households: int, seed: int) -> tuple[str, str]:
    """Time one audit of a text-only county, built without planted faults or a ground
    truth (a county's would not fit in memory). (docs key, figures)."""
    per_village = 100
    villages = max(1, households // per_village)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        start = time.perf_counter()
        township = make_township(seed, villages, per_village)
        arc, _ = init_archive(home, fonds="Z105", township="桑村镇", actor="bench")
        write_roster_xlsx(township, home / "roster.xlsx")
        with arc.db.write() as session:
            import_roster(session, arc.township(session), home / "roster.xlsx", actor="bench")
        items = file_parts(arc, generated_parts(township, seed))
        database = "SQLite" if arc.db.is_sqlite else "PostgreSQL"
        arc.close()
        del township
        made = time.perf_counter() - start
        ctx = mp.get_context("spawn")
        ours, theirs = ctx.Pipe()
        child = ctx.Process(target=_timed_audit, args=(tmp, theirs))
        child.start()
        seconds, cpu, peak, count, load = ours.recv()
        child.join()
    n = villages * per_village
    print(
        f"county: {n} households, {items} items (made in {made:.0f} s); "
        f"audit {seconds:.1f} s ({cpu:.0f} s CPU, load {load:.1f}), peak RSS {peak:.0f} MB, "
        f"{count} findings"
    )
    return "audit-county" + ("" if database == "SQLite" else "-postgresql"), (
        f"`bench/audit.py --county {households}`: {n} households in {villages} villages, "
        f"{items:,} text items on {database}, their facts stored as the pipeline stores them; "
        f"one `run_audit` of everything in a fresh process: **{seconds:.1f} s** "
        f"({cpu:.0f} s CPU in the audit's process; load average {load:.1f} at its end), "
        f"peak RSS **{peak:.0f} MB** ({count:,} findings); the county was made in "
        f"{made:.0f} s. Goal ≤ 60 s on 2 cores, ≤ 1 GB."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--villages", type=int, default=12)
    parser.add_argument("--per-village", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--ocr-home", help="an archive built and ingested by `dangan demo`")
    parser.add_argument("--county", type=int, help="time one audit of N text-only households")
    parser.add_argument(
        "--layouts",
        default="classic",
        help="the generator's family of layouts and wordings: classic, developed, or the "
        "held-out unseen (never looked at while tuning the audit)",
    )
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.county:
        key, body = county(args.county, args.seed)
        if args.write_docs:
            record("Audit", key, body)
        return
    if args.ocr_home:
        home = Path(args.ocr_home).resolve()
        (truth_file,) = home.glob("demo-corpus/*/ground_truth.json")
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        result = score(truth, audit(home))
        layouts = truth.get("layouts", "classic")
        what = (
            f"`bench/audit.py --ocr-home`: an archive of the demo township in the {layouts} "
            f"family of layouts ({truth_file.parent.name}: {truth['stats']['files']} files, "
            "scans, photos, PDFs and Word files read by tesseract), against its planted faults."
        )
        key = "audit-ocr" + ("" if layouts == "classic" else f"-{layouts}")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            truth = text_archive(
                Path(tmp), args.villages, args.per_village, args.seed, args.layouts
            )
            # a signature is judged on a page's image, and text-only items have none
            truth["faults"] = [f for f in truth["faults"] if f["rule"] not in IMAGE_RULES]
            result = score(truth, audit(Path(tmp)))
        what = (
            f"`bench/audit.py --villages {args.villages} --per-village {args.per_village} "
            f"--seed {args.seed} --layouts {args.layouts}`: "
            f"{args.villages * args.per_village} households, papers in the "
            f"{args.layouts} family of layouts, "
            f"{truth['items']} items filed with the generator's own text (no OCR), against "
            "its planted faults (SIGNATURE_MISSING needs page images: see the OCR run)."
        )
        key = f"audit-text-seed{args.seed}" + (
            f"-{args.layouts}" if args.layouts != "classic" else ""
        )
    body = f"{what}\n\n{table(result)}"
    print(body)
    if args.write_docs:
        record("Audit", key, body)


if __name__ == "__main__":
    main()
