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
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    args = parser.parse_args()

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
