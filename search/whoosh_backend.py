"""The whoosh-reloaded backend (pure Python; the product brief's engine).

Fine for small archives: indexing and common-word queries grow linearly with the
archive (see docs/benchmarks.md). Same fields and the same analysed tokens as the
tantivy backend; filters are passed as whoosh's `filter` so they apply inside the
search, and facets are whoosh's grouped counts over every match.

Whoosh cannot reuse a writer after a commit, so the writer lives from the first write
to the next `commit` (one batch) rather than for the backend's life.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError

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

_TEXT_FIELDS = ("body", "tri", "title")
TITLE_BOOST = 2.0
_FACET_FIELDS = {"village": "village_code", "doc_type": "doc_type", "year": "year"}


def build_schema() -> Schema:
    text = {name: TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True) for name in _TEXT_FIELDS}
    return Schema(
        id=NUMERIC(int, bits=64, stored=True, unique=True),
        archival_code=ID(sortable=True),
        doc_type=ID(sortable=True),
        class_code=ID,
        village_code=ID(sortable=True),
        village=ID,
        household_no=ID,
        household_key=ID,
        ids=KEYWORD(lowercase=False, commas=False, scorable=False),
        status=ID,
        allowed=KEYWORD(lowercase=False, commas=False, scorable=False),
        date=ID,
        year=NUMERIC(int, bits=32, sortable=True),
        **text,
    )


def _fields(doc: PreparedDoc) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc.id,
        "body": doc.body,
        "tri": doc.tri,
        "title": doc.title,
        "status": doc.status,
    }
    for name in (
        "archival_code",
        "doc_type",
        "class_code",
        "village_code",
        "village",
        "household_no",
        "household_key",
        "date",
    ):
        value = getattr(doc, name)
        if value:
            out[name] = value
    if doc.id_numbers:
        out["ids"] = " ".join(doc.id_numbers)
    if doc.villages_allowed:
        out["allowed"] = " ".join(doc.villages_allowed)
    if doc.year is not None:
        out["year"] = doc.year
    return out


class WhooshBackend(IndexBackend):
    name = "whoosh"

    def __init__(self, path: Path, *, limit_mb: int = 128) -> None:
        super().__init__(path)
        self._limit_mb = limit_mb
        self._schema = build_schema()
        path.mkdir(parents=True, exist_ok=True)
        try:
            if whoosh_index.exists_in(str(path)):
                self._index = whoosh_index.open_dir(str(path))
                if set(self._index.schema.names()) != set(self._schema.names()):
                    raise IndexUnavailable("索引字段与当前版本不符")
            else:
                self._index = whoosh_index.create_in(str(path), self._schema)
        except IndexUnavailable:
            raise
        except Exception as exc:  # whoosh raises many kinds on a damaged folder
            raise IndexUnavailable(f"索引无法打开: {exc}") from exc
        self._writer: Any = None
        self._searcher: Any = None

    # -- writing ---------------------------------------------------------------------

    def _get_writer(self) -> Any:
        if self._writer is None:
            try:
                self._writer = self._index.writer(limitmb=self._limit_mb, procs=1)
            except LockError as exc:
                raise IndexLocked(str(exc) or "whoosh writer lock") from exc
        return self._writer

    def add(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._get_writer()
        n = 0
        for doc in docs:
            writer.add_document(**_fields(prepare(doc)))
            n += 1
        return n

    def update(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._get_writer()
        n = 0
        for doc in docs:
            writer.update_document(**_fields(prepare(doc)))
            n += 1
        return n

    def delete(self, ids: Iterable[int]) -> None:
        writer = self._get_writer()
        for doc_id in ids:
            writer.delete_by_query(wq.Term("id", int(doc_id)))

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer = None

    def clear(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._close_searcher()
        try:
            self._index = whoosh_index.create_in(str(self.path), self._schema)
        except LockError as exc:
            raise IndexLocked(str(exc)) from exc

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def close(self) -> None:
        self.commit()
        self._close_searcher()
        self._index.close()

    def _get_searcher(self) -> Any:
        # Searcher.refresh() reuses segment readers and misses deletions: reopen instead.
        if self._searcher is not None and not self._searcher.up_to_date():
            self._close_searcher()
        if self._searcher is None:
            self._searcher = self._index.searcher()
        return self._searcher

    def count(self) -> int:
        return self._get_searcher().doc_count()

    # -- searching -------------------------------------------------------------------

    @staticmethod
    def _tokens_query(field: str, tokens: list[str], boost: float) -> wq.Query:
        # Whoosh phrases take exact words: a lone CJK character (indexed only inside
        # bigrams) becomes a regex over the lexicon and splits the phrase in two.
        parts: list[wq.Query] = []
        run: list[str] = []
        for token in [*tokens, ""]:
            if token and not single_char(token):
                run.append(token)
                continue
            if len(run) == 1:
                parts.append(wq.Term(field, run[0], boost=boost))
            elif run:
                parts.append(wq.Phrase(field, run, boost=boost))
            run = []
            if token:
                parts.append(wq.Regex(field, f"^.?{re.escape(token)}.?$", boost=boost))
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _term_query(self, term: Term) -> wq.Query | None:
        if term.kind == "id":
            return wq.Or([wq.Term("ids", term.text), wq.Term("body", term.text.lower())])
        if term.kind == "code":
            return wq.Or(
                [
                    wq.Term("archival_code", term.text),
                    wq.Prefix("archival_code", term.text),
                    wq.Term("body", term.text.lower()),
                ]
            )
        tokens = term_tokens(term)
        if not tokens:
            return None
        tri = term_trigrams(term)
        if tri is None:
            body = self._tokens_query("body", tokens, 1.0)
        elif len(tri) == 1:
            body = wq.Term("tri", tri[0])
        else:
            body = wq.Phrase("tri", tri)
        return wq.AndMaybe(
            body,
            self._tokens_query("title", tokens, TITLE_BOOST),
        )

    @staticmethod
    def _any_of(field: str, values: Iterable[str]) -> wq.Query:
        terms = [wq.Term(field, v) for v in values]
        return wq.Or(terms) if terms else wq.NullQuery

    def _filter(self, query: SearchQuery) -> wq.Query | None:
        parts: list[wq.Query] = []
        if query.villages:
            parts.append(
                wq.Or(
                    [
                        self._any_of("village_code", query.villages),
                        self._any_of("village", query.villages),
                    ]
                )
            )
        if query.households:
            keys = [h for h in query.households if "/" in h]
            numbers = [h for h in query.households if "/" not in h]
            parts.append(
                wq.Or([self._any_of("household_key", keys), self._any_of("household_no", numbers)])
            )
        if query.doc_types:
            parts.append(self._any_of("doc_type", [t.upper() for t in query.doc_types]))
        if query.year_from is not None or query.year_to is not None:
            parts.append(wq.NumericRange("year", query.year_from, query.year_to))
        if query.statuses is not None:
            parts.append(self._any_of("status", query.statuses))
        if query.allowed_villages is not None:
            parts.append(self._any_of("allowed", query.allowed_villages))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def build_query(self, query: SearchQuery) -> wq.Query:
        musts: list[wq.Query] = []
        for group in query.groups:
            subs = [q for q in (self._term_query(t) for t in group) if q is not None]
            if subs:
                musts.append(subs[0] if len(subs) == 1 else wq.DisjunctionMax(subs, 0.1))
        positive: wq.Query = (
            wq.Every() if not musts else musts[0] if len(musts) == 1 else wq.And(musts)
        )
        excluded = [q for q in (self._term_query(t) for t in query.exclude) if q is not None]
        if excluded:
            positive = wq.AndNot(positive, wq.Or(excluded))
        return positive

    def search(self, query: SearchQuery) -> SearchResult:
        searcher = self._get_searcher()
        if query.allowed_villages == [] or searcher.doc_count() == 0:
            return SearchResult(0, [], {n: {} for n in FACETS} if query.facets else {})
        kwargs: dict[str, Any] = {"limit": max(query.offset + query.limit, 1)}
        filter_query = self._filter(query)
        if filter_query is not None:
            kwargs["filter"] = filter_query
        if query.facets:
            kwargs["groupedby"] = {
                name: sorting.FieldFacet(field, maptype=sorting.Count)
                for name, field in _FACET_FIELDS.items()
            }
        if not query.has_text:
            kwargs["sortedby"] = sorting.FieldFacet("archival_code")
        results = searcher.search(self.build_query(query), **kwargs)
        page = results[query.offset : query.offset + query.limit] if query.limit > 0 else []
        hits = [
            Hit(int(hit["id"]), float(hit.score or 0.0) if query.has_text else 0.0) for hit in page
        ]
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            for name in FACETS:
                groups = results.groups(name) if len(results) else {}
                facets[name] = {str(k): int(v) for k, v in groups.items() if k is not None}
        return SearchResult(total=len(results), hits=hits, facets=facets)
