"""The index interface every backend implements, and the values that cross it.

Matching runs on one field, ``body`` (title, household head, village, type name and
text, analysed): one phrase or term per query word instead of one per field keeps
common-word queries fast; words of three or more Chinese characters match in ``tri``,
the same text as trigrams (see `analysis.trigrams`). ``title`` repeats the title's tokens so that items whose
title matches rank first (an optional clause, boosted).

A backend stores `IndexDoc`s under their database id and answers a `SearchQuery` with a
`SearchResult`: ranked ids, the total number of matches, and facet counts over all
matches. Everything else (analysis, the JSON, hydrating hits from the database,
snippets) happens outside the backend, the same way for every engine.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dangan.search import analysis

TermKind = Literal["word", "phrase", "id", "code"]
FACETS = ("village", "doc_type", "year")
SCHEMA_VERSION = 2  # bump when a backend's fields change (the analysis version is added)


class IndexUnavailable(Exception):
    """The index cannot be used as it is on disk: corrupt, unreadable, or from an older
    schema. The service reports it and rebuilds from the database."""


class IndexLocked(Exception):
    """Another process holds the index writer (e.g. `dangan serve` or a rebuild)."""


@dataclass
class IndexDoc:
    """What the index knows about one item (件). Values are as the database holds them;
    backends normalise through `prepare`."""

    id: int
    text: str = ""
    title: str = ""
    archival_code: str | None = None
    doc_type: str | None = None
    doc_type_name: str | None = None
    class_code: str | None = None
    village_code: str | None = None
    village: str | None = None
    household_no: str | None = None
    head_name: str | None = None
    id_numbers: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None  # ISO yyyy-mm-dd
    status: str = "filed"
    # Village codes whose users may see the item; users with an empty scope see all.
    villages_allowed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PreparedDoc:
    """An `IndexDoc` after analysis: token strings for the text fields, exact values for
    the rest. Made once by `prepare`, identically for every backend."""

    id: int
    body: str  # tokens of the title, the metadata words and the text: what is matched
    tri: str  # CJK trigrams of the same: words of three or more characters match here
    title: str  # tokens of the title again: matches there rank higher
    archival_code: str | None
    doc_type: str | None
    class_code: str | None
    village_code: str | None
    village: str | None
    household_no: str | None
    household_key: str | None
    id_numbers: tuple[str, ...]
    year: int | None
    date: str | None
    status: str
    villages_allowed: tuple[str, ...]


def household_key(village_code: str | None, household_no: str | None) -> str | None:
    """Household numbers repeat across villages: "003/017" names one household."""
    if not household_no:
        return None
    return f"{village_code or ''}/{household_no}"


def prepare(doc: IndexDoc) -> PreparedDoc:
    found = analysis.id_numbers(doc.text) if doc.text else []
    ids = tuple(dict.fromkeys([*(n.upper() for n in doc.id_numbers), *found]))
    meta_parts = [doc.head_name, doc.village, doc.doc_type_name, doc.household_no, doc.doc_type]
    title, title_tri = analysis.analyse_both(doc.title)
    meta, meta_tri = analysis.analyse_both("\n".join(p for p in meta_parts if p))
    text, text_tri = analysis.analyse_both(doc.text)
    return PreparedDoc(
        id=doc.id,
        body=" ".join(part for part in (title, meta, text) if part),
        tri=" ".join(part for part in (title_tri, meta_tri, text_tri) if part),
        title=title,
        archival_code=analysis.normalise_code(doc.archival_code) if doc.archival_code else None,
        doc_type=doc.doc_type.upper() if doc.doc_type else None,
        class_code=doc.class_code,
        village_code=doc.village_code,
        village=doc.village,
        household_no=doc.household_no,
        household_key=household_key(doc.village_code, doc.household_no),
        id_numbers=ids,
        year=doc.year,
        date=doc.date,
        status=doc.status,
        villages_allowed=tuple(doc.villages_allowed),
    )


@dataclass(frozen=True)
class Term:
    """One thing the user asked for. `word` and `phrase` are analysed into tokens (a word
    matches its characters adjacent, like a phrase); `id` (an ID number, upper-case X)
    and `code` (an archival code, or the start of one) match exactly."""

    kind: TermKind
    text: str


@dataclass
class SearchQuery:
    """A backend-neutral query. `groups` are ANDed; the terms inside one group are ORed.
    Filters are lists of accepted values (empty: no filter)."""

    groups: list[tuple[Term, ...]] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)  # village codes or names
    households: list[str] = field(default_factory=list)  # "003/017" keys or bare "017"
    doc_types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    statuses: list[str] | None = field(default_factory=lambda: ["filed"])  # None: any
    # None: no restriction; a list: only items of these villages (empty: nothing).
    allowed_villages: list[str] | None = None
    limit: int = 20
    offset: int = 0
    facets: bool = True

    @property
    def has_text(self) -> bool:
        return any(self.groups)


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    # facet name → value → count, over all matches (not only the page)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def term_tokens(term: Term) -> list[str]:
    """The index tokens a word or phrase term must match, in order."""
    return analysis.tokens(term.text)


def term_trigrams(term: Term) -> list[str] | None:
    """For a word or phrase of three or more CJK characters and nothing else: the
    trigrams it must match in the ``tri`` field (one term for three characters), which
    is equivalent to the bigram phrase and much cheaper for common words. Else None."""
    word = analysis.cjk_word(term.text)
    if word is None or len(word) < 3:
        return None
    return analysis.trigrams(word, normalised=True)


def single_char(token: str) -> bool:
    """A lone CJK character: the index holds it only inside bigrams (or alone)."""
    return len(token) == 1 and analysis.is_cjk(token)


class IndexBackend(abc.ABC):
    """One search engine's index in one folder. Writes are visible after `commit`."""

    name: str = ""

    def __init__(self, path: Path) -> None:
        self.path = path

    @abc.abstractmethod
    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Add items that are not in the index yet (no check); returns how many."""

    @abc.abstractmethod
    def update(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace items by id; returns how many."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[int]) -> None: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abc.abstractmethod
    def count(self) -> int:
        """Items in the index (as of the last commit)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every item (committed)."""

    def release_writer(self) -> None:
        """Commit pending writes and release the writer lock; reading goes on."""
        self.commit()

    @abc.abstractmethod
    def close(self) -> None:
        """Commit pending writes, release the writer lock and close the index."""

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def __enter__(self) -> IndexBackend:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
