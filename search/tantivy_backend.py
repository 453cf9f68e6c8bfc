"""The default backend: tantivy (Rust) through its Python bindings.

Text fields hold the analysed tokens (see `search.analysis`) split on spaces by
tantivy's whitespace tokenizer, with positions for phrases. Filters and facets use
exact ("raw") fields; facets are tantivy term aggregations over fast fields, counted
inside the engine over every match. One writer is opened on first write and kept for
the backend's life (tantivy allows one per index); `commit` makes writes visible.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from dangan.search.backend import (
    FACETS,
    Hit,
    IndexBackend,
    IndexDoc,
    IndexLocked,
    IndexUnavailable,
    PreparedDoc,
    SearchQuery,
    SearchResult,
    Term,
    prepare,
    single_char,
    term_tokens,
    term_trigrams,
)

Occur = tantivy.Occur
_TEXT_FIELDS = ("body", "tri", "title")
TITLE_BOOST = 2.0
_RAW_FIELDS = (
    "doc_type",
    "class_code",
    "village_code",
    "village",
    "household_no",
    "household_key",
    "ids",
    "status",
    "allowed",
    "date",
)
_FAST_RAW = {"doc_type", "village_code"}
_FACET_FIELDS = {"village": "village_code", "doc_type": "doc_type", "year": "year"}
_FACET_SPEC = {
    name: {"terms": {"field": field, "size": 10_000}} for name, field in _FACET_FIELDS.items()
}
_REGEX_SPECIAL = set(r"\.+*?()|[]{}^$#&-~")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _facet_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="search-facets")
        return _pool


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _field_names(path: Path | None) -> set[str]:
    """Fields of the index in `path` (from its meta.json), or of this version's schema."""
    if path is None:
        return {*_TEXT_FIELDS, *_RAW_FIELDS, "id", "archival_code", "year"}
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return {field["name"] for field in meta["schema"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailable(f"meta.json 无法读取: {exc}") from exc


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    for name in _TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("archival_code", tokenizer_name="raw", fast=True)
    for name in _RAW_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=name in _FAST_RAW)
    builder.add_integer_field("year", indexed=True, fast=True)
    return builder.build()


class TantivyBackend(IndexBackend):
    name = "tantivy"

    def __init__(self, path: Path, *, heap_bytes: int = 128_000_000, threads: int = 1) -> None:
        super().__init__(path)
        self._heap = heap_bytes
        self._threads = threads
        self._schema = build_schema()
        path.mkdir(parents=True, exist_ok=True)
        try:
            if (path / "meta.json").exists():
                self._index = tantivy.Index.open(str(path))
                if _field_names(path) != _field_names(None):
                    raise IndexUnavailable("索引字段与当前版本不符")
            else:
                self._index = tantivy.Index(self._schema, path=str(path))
        except ValueError as exc:
            raise IndexUnavailable(f"索引无法打开: {exc}") from exc
        self._writer: Any = None
        self._pending = 0

    # -- writing ---------------------------------------------------------------------

    def _get_writer(self) -> Any:
        if self._writer is None:
            try:
                self._writer = self._index.writer(self._heap, self._threads)
            except ValueError as exc:
                if "LockBusy" in str(exc) or "lock" in str(exc).lower():
                    raise IndexLocked(str(exc)) from exc
                raise IndexUnavailable(str(exc)) from exc
        return self._writer

    @staticmethod
    def _document(doc: PreparedDoc) -> tantivy.Document:
        out = tantivy.Document()
        out.add_integer("id", doc.id)
        out.add_text("body", doc.body)
        out.add_text("tri", doc.tri)
        out.add_text("title", doc.title)
        if doc.archival_code:
            out.add_text("archival_code", doc.archival_code)
        for name in ("doc_type", "class_code", "village_code", "village"):
            value = getattr(doc, name)
            if value:
                out.add_text(name, value)
        if doc.household_no:
            out.add_text("household_no", doc.household_no)
        if doc.household_key:
            out.add_text("household_key", doc.household_key)
        for number in doc.id_numbers:
            out.add_text("ids", number)
        out.add_text("status", doc.status)
        for code in doc.villages_allowed:
            out.add_text("allowed", code)
        if doc.date:
            out.add_text("date", doc.date)
        if doc.year is not None:
            out.add_integer("year", doc.year)
        return out

    def add(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._get_writer()
        n = 0
        for doc in docs:
            writer.add_document(self._document(prepare(doc)))
            n += 1
        self._pending += n
        return n

    def update(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._get_writer()
        n = 0
        for doc in docs:
            writer.delete_documents_by_term("id", doc.id)
            writer.add_document(self._document(prepare(doc)))
            n += 1
        self._pending += n
        return n

    def delete(self, ids: Iterable[int]) -> None:
        writer = self._get_writer()
        for doc_id in ids:
            writer.delete_documents_by_term("id", int(doc_id))
            self._pending += 1

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._pending = 0
        self._index.reload()

    def clear(self) -> None:
        writer = self._get_writer()
        writer.delete_all_documents()
        self.commit()

    def close(self) -> None:
        self.release_writer()

    def release_writer(self) -> None:
        if self._writer is not None:
            if self._pending:
                self._writer.commit()
            self._writer.wait_merging_threads()  # consumes the writer, releasing its lock
            self._writer = None
            self._pending = 0
            self._index.reload()

    def count(self) -> int:
        self._index.reload()
        return self._index.searcher().num_docs

    # -- searching -------------------------------------------------------------------

    def _tokens_query(self, field: str, tokens: list[str]) -> tantivy.Query:
        schema = self._schema
        if len(tokens) == 1:
            token = tokens[0]
            if single_char(token):
                return tantivy.Query.regex_query(schema, field, f".?{_regex_escape(token)}.?")
            return tantivy.Query.term_query(schema, field, token)
        if any(single_char(t) for t in tokens):
            patterns = [
                f".?{_regex_escape(t)}.?" if single_char(t) else _regex_escape(t) for t in tokens
            ]
            return tantivy.Query.regex_phrase_query(schema, field, patterns)
        return tantivy.Query.phrase_query(schema, field, tokens)

    def _title_boost(self, tokens: list[str], searcher: Any) -> tantivy.Query | None:
        """Items whose title holds the word rank first. Scored on the title's rarest
        token, not a phrase: positions of a common word in every title cost more than
        the ranking gains (see docs/benchmarks.md)."""
        words = [t for t in tokens if not single_char(t)]
        if not words:
            return self._tokens_query("title", tokens[:1])
        freq, token = min((searcher.doc_freq("title", t), t) for t in words)
        if freq == 0 or freq * 4 > searcher.num_docs:
            return None  # no title has it, or so many do that it would not tell them apart
        return tantivy.Query.term_query(self._schema, "title", token)

    def _term_query(self, term: Term, searcher: Any) -> tantivy.Query | None:
        schema = self._schema
        Q = tantivy.Query
        if term.kind == "id":
            return Q.boolean_query(
                [
                    (Occur.Should, Q.term_query(schema, "ids", term.text)),
                    (Occur.Should, Q.term_query(schema, "body", term.text.lower())),
                ]
            )
        if term.kind == "code":
            return Q.boolean_query(
                [
                    (Occur.Should, Q.term_query(schema, "archival_code", term.text)),
                    (
                        Occur.Should,
                        Q.regex_query(schema, "archival_code", _regex_escape(term.text) + ".*"),
                    ),
                    (Occur.Should, Q.term_query(schema, "body", term.text.lower())),
                ]
            )
        tokens = term_tokens(term)
        if not tokens:
            return None
        tri = term_trigrams(term)
        if tri is None:
            body = self._tokens_query("body", tokens)
        elif len(tri) == 1:
            body = Q.term_query(schema, "tri", tri[0])
        else:
            body = Q.phrase_query(schema, "tri", tri)
        title = self._title_boost(tokens, searcher)
        if title is None:
            return body
        return Q.boolean_query(
            [(Occur.Must, body), (Occur.Should, Q.boost_query(title, TITLE_BOOST))]
        )

    def _any_of(self, field: str, values: Iterable[str]) -> tantivy.Query:
        clauses = [(Occur.Should, tantivy.Query.term_query(self._schema, field, v)) for v in values]
        return tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.empty_query()

    def _filters(self, query: SearchQuery) -> list[tantivy.Query]:
        Q = tantivy.Query
        schema = self._schema
        out: list[tantivy.Query] = []
        if query.villages:
            out.append(
                Q.boolean_query(
                    [
                        (Occur.Should, self._any_of("village_code", query.villages)),
                        (Occur.Should, self._any_of("village", query.villages)),
                    ]
                )
            )
        if query.households:
            keys = [h for h in query.households if "/" in h]
            numbers = [h for h in query.households if "/" not in h]
            clauses = []
            if keys:
                clauses.append((Occur.Should, self._any_of("household_key", keys)))
            if numbers:
                clauses.append((Occur.Should, self._any_of("household_no", numbers)))
            out.append(Q.boolean_query(clauses))
        if query.doc_types:
            out.append(self._any_of("doc_type", [t.upper() for t in query.doc_types]))
        if query.year_from is not None or query.year_to is not None:
            out.append(
                Q.range_query(
                    schema,
                    "year",
                    tantivy.FieldType.Integer,
                    query.year_from if query.year_from is not None else -(2**31),
                    query.year_to if query.year_to is not None else 2**31,
                )
            )
        if query.statuses is not None:
            out.append(self._any_of("status", query.statuses))
        if query.allowed_villages is not None:
            out.append(self._any_of("allowed", query.allowed_villages))
        return out

    def build_query(self, query: SearchQuery, searcher: Any = None) -> tantivy.Query:
        Q = tantivy.Query
        searcher = searcher or self._index.searcher()
        clauses: list[tuple[Any, tantivy.Query]] = []
        for group in query.groups:
            subs = [q for q in (self._term_query(t, searcher) for t in group) if q is not None]
            if not subs:
                continue
            clauses.append(
                (Occur.Must, subs[0] if len(subs) == 1 else Q.disjunction_max_query(subs, 0.1))
            )
        clauses.extend((Occur.Must, Q.const_score_query(f, 0.0)) for f in self._filters(query))
        for term in query.exclude:
            excluded = self._term_query(term, searcher)
            if excluded is not None:
                clauses.append((Occur.MustNot, excluded))
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Q.all_query()))
        return Q.boolean_query(clauses)

    def search(self, query: SearchQuery) -> SearchResult:
        self._index.reload()
        searcher = self._index.searcher()
        built = self.build_query(query, searcher)
        # The facet counts run beside the ranked search: tantivy releases the GIL, so a
        # common word over a large archive takes the longer of the two, not the sum.
        facets_future = (
            _facet_pool().submit(searcher.aggregate, built, _FACET_SPEC) if query.facets else None
        )
        ordered = (
            {}
            if query.has_text
            else {"order_by_field": "archival_code", "order": tantivy.Order.Asc}
        )
        found = searcher.search(
            built, max(query.limit, 0) or 1, count=True, offset=query.offset, **ordered
        )
        addresses = [address for _key, address in found.hits] if query.limit > 0 else []
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        scores = [
            float(key) if query.has_text and isinstance(key, float) else 0.0
            for key, _address in found.hits
        ]
        hits = [Hit(int(i), s) for i, s in zip(ids, scores, strict=False) if i is not None]
        facets: dict[str, dict[str, int]] = {}
        if facets_future is not None:
            result = facets_future.result()
            for name in FACETS:
                buckets = result.get(name, {}).get("buckets", [])
                facets[name] = {_key(b["key"]): int(b["doc_count"]) for b in buckets}
        return SearchResult(total=found.count, hits=hits, facets=facets)
