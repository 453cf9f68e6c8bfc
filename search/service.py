"""The archive's search: the configured index backend, kept in step with the database.

The index is derived data under ``$DANGAN_HOME/index/<backend>/``: ``data/`` holds the
engine's files and ``state.json`` the schema version and how far the index has caught
up with the database. An index from another schema version, a damaged one, or one whose
rebuild was interrupted is reported (`SearchService.notices`) and rebuilt from the
database, never crashed on.

What is indexed: every item in status ``filed`` or ``needs_review`` (with or without
text: metadata is searchable too), with its status as a field. Searches return both,
each hit labelled with its status (DESIGN.md: search covers every item received and
readable), unless narrowed to one (``状态:待审核`` / ``status="filed"``). Items in other
states (queued, processing, failed, destroyed) are removed from the index.

Keeping up: `index_document` is called when an item is filed or changed. When another
process holds the index writer (tantivy allows one), the change is picked up by `sync`,
which re-indexes every item whose ``updated_at`` is newer than the index's watermark;
`search` runs it (at most every few seconds) when it can take the writer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dangan.archive.chinese import to_simplified
from dangan.archive.context import Archive
from dangan.archive.errors import DanganError, InputError, NotFound
from dangan.archive.models import Document, Village, utcnow
from dangan.archive.queries import resolve_village
from dangan.archive.scheme import Scheme
from dangan.archive.serialize import document_json
from dangan.search import analysis
from dangan.search.backend import (
    FACETS,
    SCHEMA_VERSION,
    IndexBackend,
    IndexDoc,
    IndexLocked,
    IndexUnavailable,
    SearchQuery,
    SearchResult,
)
from dangan.search.households import find_households, village_ids_for
from dangan.search.query import QueryError, parse_query, parse_year
from dangan.search.snippets import snippet

log = logging.getLogger(__name__)

BACKENDS = ("tantivy", "whoosh")
DEFAULT_BACKEND = "tantivy"
INDEXED_STATUSES = ("filed", "needs_review")
STATE_FILE = "state.json"
SYNC_MARGIN = dt.timedelta(seconds=60)  # a transaction may commit after its rows were stamped
SYNC_INTERVAL = 5.0  # seconds between catch-ups from the search path
# Paging deeper than this is no search: tantivy allocates limit + offset results.
MAX_OFFSET = 10_000
BATCH = 500
COMMIT_EVERY = 20_000

Progress = Callable[[int, int], None]


class IndexBusy(DanganError):
    """Another process is writing the index (a rebuild needs the writer)."""

    exit_code = 7

    def __init__(self) -> None:
        super().__init__("索引正被另一个进程写入(例如 dangan serve 或另一个重建), 请稍后再试")


def backend_name(name: str | None = None) -> str:
    """The configured backend: `name`, else DANGAN_SEARCH_BACKEND, else tantivy."""
    chosen = (name or os.environ.get("DANGAN_SEARCH_BACKEND") or DEFAULT_BACKEND).strip().lower()
    if chosen not in BACKENDS:
        raise InputError(f"DANGAN_SEARCH_BACKEND 应为 tantivy 或 whoosh, 而不是 {chosen!r}")
    return chosen


def open_backend(name: str, path: Path) -> IndexBackend:
    """An index backend by name in `path` (created if missing)."""
    if name == "tantivy":
        from dangan.search.tantivy_backend import TantivyBackend

        return TantivyBackend(path)
    from dangan.search.whoosh_backend import WhooshBackend

    return WhooshBackend(path)


def schema_id(name: str) -> str:
    return f"{name}/{SCHEMA_VERSION}/{analysis.ANALYSIS_VERSION}"


def index_doc(doc: Document, scheme: Scheme) -> IndexDoc:
    """What the index keeps of a database item (pages, village and household loaded)."""
    doc_type = scheme.types.get(doc.doc_type) if doc.doc_type else None
    village = doc.village
    household = doc.household
    return IndexDoc(
        id=doc.id,
        text="\n".join(p.text for p in doc.page_rows if p.text),
        title=doc.title or "",
        archival_code=doc.archival_code,
        doc_type=doc.doc_type,
        doc_type_name=doc_type.name if doc_type else None,
        class_code=doc_type.class_code if doc_type else None,
        village_code=village.code if village else None,
        village=village.name if village else None,
        household_no=household.household_no if household else None,
        head_name=household.head_name if household else None,
        id_numbers=[household.id_number] if household and household.id_number else [],
        year=doc.year,
        date=doc.date.isoformat() if doc.date else None,
        status=doc.status,
        villages_allowed=[village.code] if village else [],
    )


def _loaded(query):  # type: ignore[no-untyped-def]
    return query.options(
        selectinload(Document.page_rows),
        selectinload(Document.village),
        selectinload(Document.household),
        selectinload(Document.file),
    )


class SearchService:
    """Search over one archive with the configured backend.

    `keep_writer=True` keeps the index writer for the service's life (the long-running
    server); otherwise it is released after each write so other processes can write.
    """

    def __init__(
        self,
        arc: Archive,
        backend: str | None = None,
        *,
        keep_writer: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.arc = arc
        self.name = backend_name(backend)
        self.path = arc.settings.index_dir / self.name
        self.keep_writer = keep_writer
        self.notices: list[str] = []
        self._progress = progress
        self._backend: IndexBackend | None = None
        self._lock = threading.RLock()
        self._last_sync = 0.0
        self._synced: dict[int, dt.datetime] = {}  # id → updated_at indexed by `sync`

    # -- opening -----------------------------------------------------------------------

    @property
    def data_path(self) -> Path:
        return self.path / "data"

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_state(self, **changes: Any) -> None:
        state = {**self._state(), **changes, "schema": schema_id(self.name)}
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path / STATE_FILE)

    def _notice(self, message: str) -> None:
        log.warning("%s", message)
        self.notices.append(message)

    @property
    def backend(self) -> IndexBackend:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = self._open()
        return self._backend

    def _open(self) -> IndexBackend:
        state = self._state()
        has_data = self.data_path.exists() and any(self.data_path.iterdir())
        reason = None
        if not has_data:
            reason = "" if not state else "索引文件缺失"
        elif state.get("schema") != schema_id(self.name):
            reason = "索引版本与程序不符(程序已升级)"
        elif not state.get("complete"):
            reason = "上次重建未完成"
        if reason is None:
            try:
                return open_backend(self.name, self.data_path)
            except IndexUnavailable as exc:
                reason = f"索引已损坏: {exc}"
        if reason:
            self._notice(f"{reason}, 正在从数据库重建索引")
        return self._rebuild_fresh()

    def _rebuild_fresh(self) -> IndexBackend:
        """Throw the index folder away and build it again from the database."""
        if self._backend is not None:
            try:
                self._backend.close()
            except Exception:  # a damaged index may fail to close; it is deleted anyway
                log.debug("closing a damaged index failed", exc_info=True)
            self._backend = None
        if self.data_path.exists():
            shutil.rmtree(self.data_path)
        self._write_state(complete=False)
        backend = open_backend(self.name, self.data_path)
        try:
            self._fill(backend, self._progress)
        except IndexLocked as exc:
            backend.close()
            raise IndexBusy() from exc
        return backend

    # -- writing -----------------------------------------------------------------------

    def _after_write(self, backend: IndexBackend) -> None:
        if self.keep_writer:
            backend.commit()
        else:
            backend.release_writer()

    def _fill(self, backend: IndexBackend, progress: Progress | None) -> int:
        started = utcnow()
        with self.arc.db.read() as session:
            wanted = Document.status.in_(INDEXED_STATUSES)
            total = session.scalar(select(func.count()).select_from(Document).where(wanted)) or 0
            if progress:
                progress(0, total)
            scheme = self.arc.scheme
            done, last_id, since_commit = 0, 0, 0
            while True:
                rows = session.scalars(
                    _loaded(select(Document))
                    .where(wanted, Document.id > last_id)
                    .order_by(Document.id)
                    .limit(BATCH)
                ).all()
                if not rows:
                    break
                backend.add(index_doc(d, scheme) for d in rows)
                last_id = rows[-1].id
                done += len(rows)
                since_commit += len(rows)
                session.expunge_all()
                if since_commit >= COMMIT_EVERY:
                    backend.commit()
                    since_commit = 0
                if progress:
                    progress(done, max(total, done))
        self._after_write(backend)
        self._write_state(complete=True, watermark=(started - SYNC_MARGIN).isoformat(), items=done)
        return done

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild the index from the database; returns how many items it holds."""
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None
            if self.data_path.exists():
                # Fail before deleting anything if another process is writing.
                try:
                    probe = open_backend(self.name, self.data_path)
                    try:
                        probe.delete([])  # takes the writer: fails if another process has it
                    finally:
                        probe.close()
                except IndexLocked as exc:
                    raise IndexBusy() from exc
                except IndexUnavailable as exc:
                    self._notice(f"索引已损坏: {exc}, 正在从数据库重建索引")
            saved, self._progress = self._progress, progress or self._progress
            try:
                self._backend = self._rebuild_fresh()
            finally:
                self._progress = saved
            return self._backend.count()

    def index_documents(self, session: Session, ids: Iterable[int]) -> int:
        """(Re-)index items by id: add those in an indexed status, remove the others.
        Returns how many were written; 0 when another process holds the writer (the
        change is then picked up by that process's `sync`)."""
        wanted = sorted(set(ids))
        if not wanted:
            return 0
        rows = session.scalars(_loaded(select(Document)).where(Document.id.in_(wanted))).all()
        scheme = self.arc.scheme
        keep = [index_doc(d, scheme) for d in rows if d.status in INDEXED_STATUSES]
        drop = set(wanted) - {d.id for d in keep}
        with self._lock:
            backend = self.backend
            try:
                backend.update(keep)
                backend.delete(drop)
                self._after_write(backend)
            except IndexLocked:
                log.info("index writer busy: %d item(s) left for the next sync", len(wanted))
                return 0
        return len(wanted)

    def index_document(self, session: Session, doc: Document) -> bool:
        """Index (or remove) one item after it was filed or changed; call it after the
        transaction that changed the item has committed. False when deferred to `sync`."""
        return self.index_documents(session, [doc.id]) > 0

    def sync(self) -> int:
        """Re-index every item changed since the watermark; returns how many.

        Raises IndexLocked when another process holds the writer.
        """
        with self._lock:
            backend = self.backend
            state = self._state()
            started = utcnow()
            try:
                since = dt.datetime.fromisoformat(state["watermark"])
            except (KeyError, TypeError, ValueError):
                since = dt.datetime(1970, 1, 1)
            with self.arc.db.read() as session:
                rows = session.execute(
                    select(Document.id, Document.updated_at).where(Document.updated_at >= since)
                ).all()
                # Rows inside the margin that this service already indexed are skipped.
                ids = [r.id for r in rows if self._synced.get(r.id) != r.updated_at]
                self._synced = {r.id: r.updated_at for r in rows}
                for start in range(0, len(ids), BATCH):
                    chunk = ids[start : start + BATCH]
                    docs = session.scalars(
                        _loaded(select(Document)).where(Document.id.in_(chunk))
                    ).all()
                    scheme = self.arc.scheme
                    keep = [index_doc(d, scheme) for d in docs if d.status in INDEXED_STATUSES]
                    backend.update(keep)
                    backend.delete(set(chunk) - {d.id for d in keep})
                    session.expunge_all()
            if ids:
                self._after_write(backend)
            self._write_state(watermark=(started - SYNC_MARGIN).isoformat())
            self._last_sync = time.monotonic()
            return len(ids)

    def _maybe_sync(self) -> None:
        if time.monotonic() - self._last_sync < SYNC_INTERVAL:
            return
        try:
            self.sync()
        except IndexLocked:
            self._last_sync = time.monotonic()  # another process is writing: try later

    def sync_forever(self, stop: threading.Event, interval: float = SYNC_INTERVAL) -> None:
        """Catch up every `interval` seconds until `stop` is set (a server's thread)."""
        while not stop.wait(interval):
            try:
                self.sync()
            except IndexLocked:
                continue
            except Exception:  # keep the server's thread alive; the next round retries
                log.exception("search index sync failed")

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    # -- searching ---------------------------------------------------------------------

    def _healthy(self) -> bool:
        """Whether the index on disk opens and answers a query that matches everything."""
        try:
            probe = open_backend(self.name, self.data_path)
            try:
                probe.search(SearchQuery(statuses=None, limit=1))
            finally:
                probe.close()
        except IndexLocked:
            return True
        except Exception:
            return False
        return True

    def _run(self, query: SearchQuery) -> SearchResult:
        try:
            if self.name == "whoosh":  # whoosh searchers are not thread-safe
                with self._lock:
                    return self.backend.search(query)
            return self.backend.search(query)
        except (IndexUnavailable, ValueError, OSError) as exc:
            # A file damaged after opening shows up here. A healthy index means the
            # query itself was at fault: that is the user's error, not the index's.
            if self._healthy():
                raise InputError(f"无法执行该查询: {exc}") from exc
            with self._lock:
                self._notice(f"索引已损坏: {exc}, 正在从数据库重建索引")
                self._backend = self._rebuild_fresh()
            return self._backend.search(query)

    def build_query(
        self,
        session: Session,
        text: str = "",
        *,
        village: str | None = None,
        household: str | None = None,
        doc_type: str | None = None,
        year: str | int | None = None,
        status: str | None = None,
        limit: int = 20,
        offset: int = 0,
        allowed_villages: list[str] | None = None,
    ) -> tuple[SearchQuery, list[str]]:
        """The backend query for the user's input, and the words to highlight."""
        try:
            parsed = parse_query(text)
            if year is not None and str(year).strip():
                parsed.year_from, parsed.year_to = parse_year(str(year))
        except QueryError as exc:
            raise InputError(str(exc)) from exc
        village_codes = [
            self._village_code(session, v)
            for v in [*parsed.villages, *([village] if village else [])]
        ]
        households: list[str] = []
        scope_ids = village_ids_for(session, village_codes) if village_codes else None
        if allowed_villages is not None:
            allowed_ids = village_ids_for(session, allowed_villages)
            scope_ids = (
                allowed_ids if scope_ids is None else [i for i in scope_ids if i in allowed_ids]
            )
        for value in [*parsed.households, *([household] if household else [])]:
            matches = find_households(session, value, village_ids=scope_ids)
            if not matches:
                raise NotFound(f"没有找到贫困户 {value}")
            households.extend(m.key for m in matches)
        statuses = [*parsed.statuses, *([status] if status else [])]
        return (
            SearchQuery(
                groups=parsed.groups,
                exclude=parsed.exclude,
                villages=village_codes,
                households=households,
                doc_types=[*parsed.doc_types, *([doc_type.upper()] if doc_type else [])],
                year_from=parsed.year_from,
                year_to=parsed.year_to,
                statuses=None if "all" in statuses or not statuses else statuses,
                allowed_villages=allowed_villages,
                limit=max(0, limit),
                offset=min(max(0, offset), MAX_OFFSET),
            ),
            [
                *parsed.highlight_terms(),
                *(t.text for g in parsed.groups for t in g if t.kind in ("id", "code")),
            ],
        )

    @staticmethod
    def _village_code(session: Session, text: str) -> str:
        try:
            return resolve_village(session, text).code
        except NotFound:
            simplified = to_simplified(text)
            if simplified == text:
                raise
            return resolve_village(session, simplified).code

    def search(
        self,
        text: str = "",
        *,
        village: str | None = None,
        household: str | None = None,
        doc_type: str | None = None,
        year: str | int | None = None,
        status: str | None = None,
        limit: int = 20,
        offset: int = 0,
        allowed_villages: list[str] | None = None,
        sync: bool = True,
    ) -> dict[str, Any]:
        """Search and return DESIGN.md's JSON: ``{query, total, took_ms, hits, facets}``.

        Each hit is the document JSON (`archive.serialize.document_json`) plus ``score``
        and ``snippet`` (HTML-escaped, matches in ``<mark>``). `allowed_villages` is the
        user's village scope (None or [] for an unscoped user: every village).
        """
        started = time.perf_counter()
        scope = allowed_villages or None
        if sync:
            self._maybe_sync()
        with self.arc.db.read() as session:
            query, marks = self.build_query(
                session,
                text,
                village=village,
                household=household,
                doc_type=doc_type,
                year=year,
                status=status,
                limit=limit,
                offset=offset,
                allowed_villages=scope,
            )
            result = self._run(query)
            hits = self._hydrate(session, result, marks, scope)
            facets = self._facets(session, result)
        return {
            "query": text,
            "total": result.total,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
            "hits": hits,
            "facets": facets,
        }

    def _hydrate(
        self,
        session: Session,
        result: SearchResult,
        marks: list[str],
        scope: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        if not result.hits:
            return []
        ids = [h.id for h in result.hits]
        rows = session.scalars(_loaded(select(Document)).where(Document.id.in_(ids))).all()
        by_id = {d.id: d for d in rows}
        scheme = self.arc.scheme
        out = []
        for hit in result.hits:
            doc = by_id.get(hit.id)
            if doc is None:  # removed from the database since it was indexed
                continue
            if scope is not None and (doc.village is None or doc.village.code not in scope):
                continue  # moved out of the user's villages since it was indexed
            data = document_json(doc, scheme)
            data["score"] = round(hit.score, 4)
            data["snippet"] = snippet("\n".join(p.text for p in doc.page_rows), marks)
            out.append(data)
        return out

    def _facets(self, session: Session, result: SearchResult) -> dict[str, list[dict[str, Any]]]:
        counts = result.facets or {name: {} for name in FACETS}
        codes = list(counts.get("village", {}))
        names: dict[str, str] = {}
        if codes:
            rows = session.execute(
                select(Village.code, Village.name).where(Village.code.in_(codes))
            )
            names = {code: name for code, name in rows}
        scheme = self.arc.scheme

        def ordered(values: dict[str, int]) -> list[tuple[str, int]]:
            return sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))

        return {
            "village": [
                {"value": code, "name": names.get(code), "count": n}
                for code, n in ordered(counts.get("village", {}))
            ],
            "doc_type": [
                {
                    "value": code,
                    "name": scheme.types[code].name if code in scheme.types else None,
                    "count": n,
                }
                for code, n in ordered(counts.get("doc_type", {}))
            ],
            "year": [
                {"value": int(year), "count": n}
                for year, n in sorted(counts.get("year", {}).items(), key=lambda kv: -int(kv[0]))
            ],
        }


def index_changed(arc: Archive, ids: Iterable[int]) -> int:
    """One-shot indexing for a process that files items (a pipeline worker): opens the
    configured index, writes, and releases the writer. Never raises for index trouble:
    the item is in the database, and the index catches up through `sync`."""
    wanted = list(ids)
    service = SearchService(arc)
    try:
        with arc.db.read() as session:
            return service.index_documents(session, wanted)
    except Exception:
        log.warning("indexing items %s deferred to the next sync", wanted, exc_info=True)
        return 0
    finally:
        try:
            service.close()
        except Exception:
            log.debug("closing the index failed", exc_info=True)
