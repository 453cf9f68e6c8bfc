"""Search benchmark: indexing speed, index size and query latency per backend and size.

    .venv/bin/python bench/search.py --size 10000 --backend tantivy --backend whoosh
    .venv/bin/python bench/search.py --size 100000 --backend tantivy --write-docs

Items come from the demo generator's text-only mode (`demo.textonly`): the same
forms, names, ID numbers and dates as the demo cabinet, 8% in Traditional characters.
Indexing time counts analysis and the engine (not generating the text); size is the
index folder after the writer is closed. Each query class runs `--queries` different
queries once each (after one warm-up), through the backend with facets, 20 hits:

- rare pair: two words (jieba) that each occur in one item of a 2,000-item sample,
  from the same item;
- common word: 扶贫, 帮扶, 收入, 贫困户, 村委会 (each in a large share of all items);
- name + keyword: a head of household's name and a common word;
- village + type + keyword: ``村:<code> 类型:<type> <common word>``;
- Traditional: a head's name and a phrase, both in Traditional characters.

Results are appended to a JSON file (`--results`) and, with `--write-docs`, every
result in it is written to the "## Search" section of docs/benchmarks.md. Figures are
printed, never asserted.

Recall (``--recall LAYOUTS-UPLOAD``, e.g. ``--recall unseen-scanner``): on the archive
`bench/classify.py` left behind for that layout family and upload (real scans read by
OCR, filed or waiting in review), queries drawn from one item each of the generator's
ground truth. A query is relevant to every item whose true text holds each of its words
(of the type asked for, when narrowed); its recall@10 is the share of those among the
first 10 hits, out of at most 10 (capped recall: a phrase that 24 papers hold cannot put
all 24 in ten places). Recall over all the hits, and whether the drawn item is in the
first 10 or found at all, are printed beside it. The classes:

- name: a head of household's name, narrowed to the item's document type (as an
  inspector asks for 王建国's 审批表);
- ID number: the head's ID number, narrowed the same way;
- rare phrase: the two rarest words (jieba) of a help measure the item's text records
  (花椒苗 发放, 光伏电站 入股);
- other script: a name (narrowed) or a rare phrase in the other script: Traditional for a
  Simplified item, Simplified for a Traditional one.

Searches run with the service's defaults (every item received and readable, filed or in
review); the figures go to the "## Search recall" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import itertools
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dangan.demo.textonly import iter_text_items  # noqa: E402
from dangan.demo.tradmap import to_traditional  # noqa: E402
from dangan.search import analysis  # noqa: E402
from dangan.search.backend import IndexDoc, SearchQuery  # noqa: E402
from dangan.search.query import parse_query  # noqa: E402
from dangan.search.service import open_backend  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
COMMON = ("扶贫", "帮扶", "收入", "贫困户", "村委会")
PHRASES = ("精准扶贫", "建档立卡", "帮扶责任人", "危房改造", "家庭收入")
CLASSES = ("rare pair", "common word", "name + keyword", "village + type + keyword", "Traditional")
BATCH = 5_000
SAMPLE = 2_000


def items(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Exactly `n` items (the generator may give a few less than asked: ask for more)."""
    return itertools.islice(iter_text_items(int(n * 1.15) + 100, seed), n)


def index_doc(i: int, item: dict[str, Any]) -> IndexDoc:
    household = item["household_no"] or "CJ"
    return IndexDoc(
        id=i,
        text=item["text"],
        title=item["title"],
        archival_code=f"Z105-FP·{item['year']}-Y-{item['village_code']}·{household}-{i:07d}",
        doc_type=item["doc_type"],
        village_code=item["village_code"],
        village=item["village"],
        household_no=item["household_no"],
        head_name=item["head_name"],
        id_numbers=item["id_numbers"],
        year=item["year"],
        date=item["date"],
        status="filed",
        villages_allowed=[item["village_code"]],
    )


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def build(backend_name: str, n: int, seed: int, path: Path) -> tuple[dict[str, Any], list]:
    """Index `n` items; returns figures and a sample of items for making queries."""
    backend = open_backend(backend_name, path)
    rng = random.Random(seed)
    sample: list[dict[str, Any]] = []
    indexing = 0.0
    generating = 0.0
    done = 0
    stream = items(n, seed)
    last_report = time.monotonic()
    while True:
        t0 = time.perf_counter()
        batch = list(itertools.islice(stream, BATCH))
        generating += time.perf_counter() - t0
        if not batch:
            break
        for item in batch:  # reservoir sample
            done += 1
            if len(sample) < SAMPLE:
                sample.append(item)
            elif (j := rng.randrange(done)) < SAMPLE:
                sample[j] = item
        docs = [index_doc(done - len(batch) + k + 1, item) for k, item in enumerate(batch)]
        t0 = time.perf_counter()
        backend.add(docs)
        indexing += time.perf_counter() - t0
        if time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            rate = done / indexing if indexing else 0
            print(f"  {backend_name} {done:,}/{n:,} items, {rate:,.0f} items/s", flush=True)
    t0 = time.perf_counter()
    backend.close()
    indexing += time.perf_counter() - t0
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    figures = {
        "items": done,
        "index_seconds": round(indexing, 1),
        "docs_per_s": round(done / indexing, 1),
        "size_mb": round(size / 1e6, 1),
        "generate_seconds": round(generating, 1),
    }
    return figures, sample


def make_queries(sample: list[dict[str, Any]], per_class: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(f"queries:{seed}")
    df: Counter[str] = Counter()
    token_sets = []
    for item in sample:  # real words (jieba), not bigrams that straddle two words
        words = {w for w in analysis.words(item["text"]) if len(w) >= 2 and analysis.is_cjk(w)}
        token_sets.append(words)
        df.update(words)
    rare: list[str] = []
    order = list(range(len(sample)))
    rng.shuffle(order)
    for k in order:
        singles = sorted(t for t in token_sets[k] if df[t] == 1)
        if len(singles) >= 2:
            a, b = rng.sample(singles, 2)
            rare.append(f"{a} {b}")
        if len(rare) >= per_class:
            break
    people = [s for s in sample if s["head_name"]]
    queries = {
        "rare pair": rare,
        "common word": [COMMON[i % len(COMMON)] for i in range(per_class)],
        "name + keyword": [
            f"{rng.choice(people)['head_name']} {rng.choice(COMMON)}" for _ in range(per_class)
        ],
        "village + type + keyword": [],
        "Traditional": [
            to_traditional(f"{rng.choice(people)['head_name']} {rng.choice(PHRASES)}")
            for _ in range(per_class)
        ],
    }
    for _ in range(per_class):
        item = rng.choice(sample)
        queries["village + type + keyword"].append(
            f"村:{item['village_code']} 类型:{item['doc_type']} {rng.choice(COMMON)}"
        )
    return queries


def to_query(text: str) -> SearchQuery:
    parsed = parse_query(text)
    return SearchQuery(
        groups=parsed.groups,
        exclude=parsed.exclude,
        villages=parsed.villages,
        households=parsed.households,
        doc_types=parsed.doc_types,
        year_from=parsed.year_from,
        year_to=parsed.year_to,
        limit=20,
    )


def measure(backend_name: str, path: Path, queries: dict[str, list[str]]) -> dict[str, Any]:
    backend = open_backend(backend_name, path)
    out: dict[str, Any] = {}
    try:
        for name in CLASSES:
            texts = queries[name]
            if not texts:
                continue
            backend.search(to_query(texts[0]))  # warm-up
            times, totals = [], []
            for text in texts:
                t0 = time.perf_counter()
                result = backend.search(to_query(text))
                times.append((time.perf_counter() - t0) * 1000)
                totals.append(result.total)
            cuts = statistics.quantiles(times, n=20, method="inclusive")
            out[name] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(cuts[18], 2),
                "median_hits": int(statistics.median(totals)),
                "queries": len(texts),
                "example": texts[0],
            }
    finally:
        backend.close()
    return out


def jieba_cost(sample: list[dict[str, Any]]) -> dict[str, float]:
    """Analysis time per item: bigrams only (what is indexed) and with jieba words."""
    texts = [s["text"] for s in sample[:1000]]
    analysis.words("预热")
    t0 = time.perf_counter()
    for text in texts:
        analysis.tokens(text)
    bigrams = (time.perf_counter() - t0) / len(texts) * 1e6
    t0 = time.perf_counter()
    for text in texts:
        analysis.tokens(text)
        analysis.words(text)
    both = (time.perf_counter() - t0) / len(texts) * 1e6
    return {"bigrams_us_per_item": round(bigrams), "with_jieba_us_per_item": round(both)}


def run(
    backend_name: str, n: int, seed: int, per_class: int, workdir: Path, keep: bool = False
) -> dict[str, Any]:
    path = workdir / f"{backend_name}-{n}"
    if path.exists():
        shutil.rmtree(path)
    print(f"{backend_name}: indexing {n:,} items ...", flush=True)
    figures, sample = build(backend_name, n, seed, path)
    print(
        f"  {figures['docs_per_s']:,} items/s, {figures['size_mb']} MB "
        f"({figures['index_seconds']} s; generating the text took {figures['generate_seconds']} s)",
        flush=True,
    )
    queries = make_queries(sample, per_class, seed)
    del sample
    gc.collect()
    latency = measure(backend_name, path, queries)
    for name, q in latency.items():
        print(
            f"  {name:<26} p50 {q['p50_ms']:>8.2f} ms  p95 {q['p95_ms']:>8.2f} ms  "
            f"(median {q['median_hits']:,} hits; e.g. {q['example']})",
            flush=True,
        )
    if not keep:
        shutil.rmtree(path, ignore_errors=True)
    return {
        "backend": backend_name,
        "size": n,
        **figures,
        "queries": latency,
        "peak_rss_mb": round(rss_mb()),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    }


def render(results: list[dict[str, Any]], notes: list[str]) -> str:
    lines = [
        "## Search",
        "",
        "Re-run: `.venv/bin/python bench/search.py --size 10000 --backend tantivy "
        "--backend whoosh --jieba`, then `--size 100000` (both backends) and "
        "`--size 1000000 --backend tantivy`, then `bench/search.py --write-docs` (results "
        "collect in `$TMPDIR/dangan-bench-search.json`).",
        "",
        "Measured by `bench/search.py` on the demo generator's text-only items "
        "(`demo.textonly`, 8% Traditional, ~340 characters each), one run each, "
        f"on {results[0]['machine'] if results else 'this machine'}. Indexing counts "
        "analysis and the engine, not generating the text; latency is the backend's search "
        "(query parsing, filters, 20 ranked hits, total and facet counts by village, type "
        "and year), without loading hits from the database or making snippets.",
        "",
        "| backend | items | index items/s | index size | peak RSS |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['items']:,} | {r['docs_per_s']:,.0f} | "
            f"{r['size_mb']:,} MB | {r['peak_rss_mb']:,} MB |"
        )
    lines += [
        "",
        "Query latency, p50 / p95 in milliseconds (median number of matching items):",
        "",
        "| backend | items | " + " | ".join(CLASSES) + " |",
        "|---|---:|" + "---:|" * len(CLASSES),
    ]
    for r in results:
        cells = []
        for name in CLASSES:
            q = r["queries"].get(name)
            cells.append(
                f"{q['p50_ms']:.1f} / {q['p95_ms']:.1f} ({q['median_hits']:,})" if q else "-"
            )
        lines.append(f"| {r['backend']} | {r['items']:,} | " + " | ".join(cells) + " |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Search\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


RECALL_CLASSES = ("name", "ID number", "rare phrase", "other script")
RECALL_AT = 10


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


Key = tuple[str, str | None]  # (original's sha256, pages of a part of a joined scan)


def recall_queries(
    truth: dict[str, Any], per_class: int, seed: int
) -> dict[str, list[tuple[str, str | None, Key, frozenset[Key]]]]:
    """Per class, (query, document type to narrow to or None, the item drawn, every
    item the query is relevant to)."""
    rng = random.Random(f"recall:{seed}")
    households = {(h["village_code"], h["household_no"]): h for h in truth["households"]}
    measures = sorted(
        {m["content"] for h in truth["households"] for m in h["measures"]}, key=len, reverse=True
    )
    items = []
    for entry in truth["files"]:
        if entry["form"] == "photo":
            continue
        many = len(entry["parts"]) > 1
        for part in entry["parts"]:
            key = (entry["sha256"], part["pages"] if many else None)
            items.append((key, part, _squash("".join(part["text"]))))
    rng.shuffle(items)
    texts = [text for _, _, text in items]
    truths = [(key, part["doc_type"], analysis.normalise(text)) for key, part, text in items]

    def relevant(query: str, doc_type: str | None) -> frozenset[tuple[str, str | None]]:
        """Every item whose true text holds each word of `query` (of `doc_type` when
        narrowed): the items a perfect search would return for it."""
        words = analysis.normalise(query).split()
        return frozenset(
            key
            for key, kind, norm in truths
            if (doc_type is None or kind == doc_type) and all(w in norm for w in words)
        )

    @functools.cache
    def rare_words(content: str) -> str | None:
        """The two rarest words (jieba) of a help measure, as an inspector types them."""
        import jieba

        words = {w for w in jieba.lcut(content) if len(w) >= 2 and analysis.cjk_word(w)}
        ranked = sorted(words, key=lambda w: (sum(w in t for t in texts), w))[:2]
        return " ".join(ranked) if ranked else None

    out: dict[str, list[tuple[str, str | None, Key]]] = {c: [] for c in RECALL_CLASSES}
    for key, part, text in items:
        hh = households.get((part["village_code"], part["household_no"]))
        plain = to_traditional if not part["traditional"] else analysis.normalise
        if hh and hh["head_name"] in text and len(out["name"]) < per_class:
            out["name"].append((hh["head_name"], part["doc_type"], key))
        if hh and hh["id_number"] in text and len(out["ID number"]) < per_class:
            out["ID number"].append((hh["id_number"], part["doc_type"], key))
        norm = analysis.normalise(text)
        content = next((m for m in measures if analysis.normalise(_squash(m)) in norm), None)
        phrase = rare_words(content) if content else None
        if phrase and len(out["rare phrase"]) < per_class:
            out["rare phrase"].append(
                (phrase if not part["traditional"] else to_traditional(phrase), None, key)
            )
        if len(out["other script"]) < per_class:
            if phrase:
                out["other script"].append((plain(phrase), None, key))
            elif hh and hh["head_name"] in analysis.normalise(text):
                out["other script"].append((plain(hh["head_name"]), part["doc_type"], key))
    return {
        name: [(q, kind, key, relevant(q, kind)) for q, kind, key in queries]
        for name, queries in out.items()
    }


def _pages(pages: str | None) -> set[int]:
    """ "3" or "1-2" as the set of page numbers; None (the whole file) as the empty set."""
    if not pages:
        return set()
    first, _, last = pages.partition("-")
    return set(range(int(first), int(last or first) + 1))


def recall(run_name: str, per_class: int, seed: int) -> dict[str, Any]:
    """Recall@10 on the archive `bench/classify.py` kept for `run_name` (layouts-upload)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from dangan.archive.context import open_archive
    from dangan.archive.models import Document
    from dangan.search.service import SearchService

    state = json.loads(
        (Path(tempfile.gettempdir()) / f"dangan-bench-classify-{run_name}.json").read_text()
    )
    truth = json.loads((Path(state["corpus"]) / "ground_truth.json").read_text(encoding="utf-8"))
    arc = open_archive(state["home"])
    with arc.db.read() as session:
        ids: dict[tuple[str, str | None], int] = {}
        statuses: Counter[str] = Counter()
        items: dict[str, list[tuple[set[int], int]]] = {}
        for doc in session.scalars(select(Document).options(selectinload(Document.file))):
            ids[(doc.file.sha256, doc.source_pages)] = doc.id
            items.setdefault(doc.file.sha256, []).append((_pages(doc.source_pages), doc.id))
            statuses[doc.status] += 1

    def holding(key: Key) -> set[int]:
        """The archive's items that hold the pages of the true item `key`: the item
        itself, or where a joined scan was split elsewhere, every piece with its pages."""
        if key in ids:
            return {ids[key]}
        pages = _pages(key[1])
        return {i for have, i in items.get(key[0], []) if not have or not pages or have & pages}

    service = SearchService(arc)
    ranks: dict[str, list[int | None]] = {}
    capped: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}
    whole: dict[str, list[float]] = {}
    missed: list[str] = []
    try:
        service.rebuild()
        for name, queries in recall_queries(truth, per_class, seed).items():
            for query, doc_type, key, keys in queries:
                want = ids.get(key)
                hits = service.search(query, doc_type=doc_type, limit=1000, sync=False)["hits"]
                order = [h["id"] for h in hits]
                rank = order.index(want) if want in order else None
                ranks.setdefault(name, []).append(rank)
                wanted = set().union(*(holding(k) for k in keys))
                got = len(wanted & set(order[:RECALL_AT])) / min(RECALL_AT, len(wanted))
                capped.setdefault(name, []).append(got)
                sizes.setdefault(name, []).append(len(wanted))
                whole.setdefault(name, []).append(len(wanted & set(order)) / len(wanted))
                if got < 1 or rank is None:
                    missed.append(
                        f"{name}: {query} {doc_type or ''} (rank {rank}, {len(order)} hits, "
                        f"{len(wanted)} relevant, {got:.0%} of them in the first 10)"
                    )
    finally:
        service.close()

    def share(values: list[int | None], within: int) -> float:
        return sum(r is not None and r < within for r in values) / len(values)

    every = [r for v in ranks.values() for r in v]
    every_capped = [c for v in capped.values() for c in v]
    return {
        "run": run_name,
        "queries": {name: len(v) for name, v in ranks.items()},
        "recall": {name: sum(v) / len(v) for name, v in capped.items() if v},
        "whole": {name: sum(v) / len(v) for name, v in whole.items() if v},
        "drawn": {name: share(v, RECALL_AT) for name, v in ranks.items() if v},
        "found": {name: share(v, 10**9) for name, v in ranks.items() if v},
        "relevant": {name: statistics.median(v) for name, v in sizes.items() if v},
        "overall": sum(every_capped) / len(every_capped) if every_capped else 0.0,
        "overall_drawn": share(every, RECALL_AT) if every else 0.0,
        "overall_whole": sum(c for v in whole.values() for c in v) / len(every) if every else 0.0,
        "overall_found": share(every, 10**9) if every else 0.0,
        "statuses": dict(statuses),
        # the held-out family is measured, never looked at
        "examples_missed": [] if run_name.startswith("unseen") else missed[:20],
    }


def record_recall(result: dict[str, Any]) -> None:
    from bench.report import record

    layouts, upload = result["run"].split("-", 1)
    rows = "\n".join(
        f"| {name} | {result['queries'].get(name, 0)} | {result['relevant'].get(name, 0):g} "
        f"| {result['recall'].get(name, 0):.1%} | {result['whole'].get(name, 0):.1%} "
        f"| {result['drawn'].get(name, 0):.1%} "
        f"| {result['found'].get(name, 0):.1%} |"
        for name in RECALL_CLASSES
    )
    record(
        "Search recall",
        f"search-recall-{result['run']}",
        f"""`.venv/bin/python bench/search.py --recall {result["run"]}`: the archive
`bench/classify.py --layouts {layouts} --upload {upload}` left (tesseract OCR; items by status:
{", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))}), searched with the
service's defaults. Recall@{RECALL_AT} is the share of the items relevant to a query (every
item whose true text holds each query word, of the type asked for) among the first
{RECALL_AT} hits, out of at most {RECALL_AT} (capped recall), averaged over the queries;
"recall, all hits" the share of the relevant items among all the hits (up to 1,000);
"drawn item" the share of queries whose one item they were drawn from is among the first
{RECALL_AT}, and "found at all" among all the hits.

| queries | number | relevant items (median) | recall@{RECALL_AT} | recall, all hits | drawn item in first {RECALL_AT} | drawn item found at all |
|---|---|---|---|---|---|---|
{rows}
| all | {sum(result["queries"].values())} | | {result["overall"]:.1%} (goal ≥ 98 %) | {result["overall_whole"]:.1%} | {result["overall_drawn"]:.1%} | {result["overall_found"]:.1%} |
""",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, action="append", help="items (repeatable)")
    parser.add_argument("--backend", action="append", choices=("tantivy", "whoosh"))
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--queries", type=int, default=100, help="queries per class")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(tempfile.gettempdir()) / "dangan-bench-search.json",
        help="JSON file the results are added to (one entry per backend and size)",
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--note", action="append", default=[], help="a line under the tables")
    parser.add_argument("--jieba", action="store_true", help="measure jieba's analysis cost")
    parser.add_argument("--keep", action="store_true", help="keep the index under --workdir")
    parser.add_argument(
        "--recall",
        metavar="LAYOUTS-UPLOAD",
        help="recall@10 on the archive bench/classify.py kept, e.g. unseen-scanner",
    )
    args = parser.parse_args()
    if args.recall:
        result = recall(args.recall, min(args.queries, 50), args.seed)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        record_recall(result)
        return

    stored = json.loads(args.results.read_text()) if args.results.exists() else {}
    results = stored.get("results", [])
    notes = stored.get("notes", []) + args.note
    for n in args.size or []:
        for name in args.backend or ["tantivy"]:
            entry = run(name, n, args.seed, args.queries, args.workdir, args.keep)
            results = [r for r in results if (r["backend"], r["size"]) != (name, n)]
            results.append(entry)
            results.sort(key=lambda r: (r["backend"], r["size"]))
            args.results.write_text(
                json.dumps({"results": results, "notes": notes}, ensure_ascii=False, indent=1)
            )
    if args.jieba:
        sample = list(items(2_000, args.seed))
        cost = jieba_cost(sample)
        print(f"analysis per item: {cost}")
        notes.append(
            f"Analysis per item: {cost['bigrams_us_per_item']} µs with bigrams (indexed), "
            f"{cost['with_jieba_us_per_item']} µs with jieba words added."
        )
        args.results.write_text(
            json.dumps({"results": results, "notes": notes}, ensure_ascii=False, indent=1)
        )
    if args.write_docs:
        write_docs(render(results, notes))
        print(f"written: {DOCS}")


if __name__ == "__main__":
    main()
