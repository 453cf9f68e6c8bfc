"""The pipeline's named steps. Each takes a leased job and commits its results
together with the job's completion, so running a step twice has one effect.

extract (queue `ocr`) → classify (queue `classify`) → index (queue `index`). The
same functions run in the in-process pool (`ingest.worker`) and in Celery workers
(`ingest.tasks`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dangan.archive import journal, renditions
from dangan.archive.context import Archive
from dangan.archive.document_facts import TYPED, read_document_facts
from dangan.archive.errors import FilingRefused, IntegrityFailure
from dangan.archive.filing import file_document
from dangan.archive.models import (
    Document,
    Helper,
    Household,
    Page,
    StoredFile,
    Township,
    Village,
)
from dangan.archive.store import PutResult
from dangan.ingest import typemodel
from dangan.ingest.classify import THRESHOLD, decide
from dangan.ingest.extract import Extraction, extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import OcrEngine
from dangan.ingest.ocr.vocabulary import Vocabulary
from dangan.ingest.queue import Leased, enqueue, finish, report_progress
from dangan.ingest.split import split_points
from dangan.ingest.typemodel import TypeModel
from dangan.search.service import index_changed

CLASSIFY_STEP = "classify"
INDEX_STEP = "index"
MODEL_REFRESH_SECONDS = 300


@dataclass
class StepContext:
    arc: Archive
    owner: str
    engine: OcrEngine
    limits: Limits = field(default_factory=Limits.from_env)
    model: TypeModel | None = None
    model_loaded_at: float | None = None
    roster_seen: tuple | None = None


def _page_range(first: int, last: int) -> str:
    return f"{first}-{last}" if last > first else str(first)


def _start(ctx: StepContext, document_id: int) -> tuple[str, str, str]:
    with ctx.arc.db.write() as session:
        doc = session.get(Document, document_id)
        assert doc is not None
        if doc.status in ("filed", "destroyed"):
            # A filed item's text is never extracted again in place (nor a destroyed
            # one's brought back): corrections are new journal events.
            raise IntegrityFailure(
                f"文件 {doc.id} 已{'归档' if doc.status == 'filed' else '销毁'}, 不再重新提取"
            )
        doc.status = "processing"
        return doc.file.sha256, doc.file.original_name, doc.file.media_type or ""


def _roster_words(session: Session) -> set[str]:
    """Names the roster knows: townships, villages, household heads, their helpers
    (帮扶责任人) and poverty causes."""
    words = set(session.scalars(select(Township.name)))
    words |= set(session.scalars(select(Village.name)))
    words |= set(session.scalars(select(Household.head_name)))
    words |= set(session.scalars(select(Helper.name)))
    for cause in session.scalars(select(Household.poverty_cause).distinct()):
        words |= set(re.split(r"[、，,]", cause or ""))
    return words


def _refresh_vocabulary(ctx: StepContext) -> None:
    """The engine's vocabulary (`ingest.ocr.vocabulary`): the scheme's words and the
    roster's names, built again when households, villages or helpers are added or
    removed (a name changed in place is picked up when the worker starts again)."""
    with ctx.arc.db.read() as session:
        seen = (
            session.execute(select(func.count(Household.id), func.max(Household.id))).one(),
            session.execute(select(func.count(Village.id), func.max(Village.id))).one(),
            session.execute(select(func.count(Helper.id), func.max(Helper.id))).one(),
        )
        if ctx.engine.vocabulary is not None and seen == ctx.roster_seen:
            return
        words = set(ctx.arc.scheme.vocabulary) | _roster_words(session)
    ctx.engine.vocabulary = Vocabulary(words)
    ctx.roster_seen = seen


def extract_step(ctx: StepContext, job: Leased) -> None:
    """Text per page (text layer, DOCX, cells, OFD or OCR) and the original's rendition
    (`archive.renditions`), then split a feeder scan into items."""
    assert job.document_id is not None
    _refresh_vocabulary(ctx)
    sha256, name, kind = _start(ctx, job.document_id)
    # Fixity at the hand-off from store to pipeline: never read a blob that changed.
    if not ctx.arc.store.verify(sha256):
        raise IntegrityFailure(f"{name}: 存储中的原件与其哈希不符或已缺失, 停止处理")
    last_report = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last_report[0] > 1.0:
            last_report[0] = now
            report_progress(ctx.arc.db, job.id, ctx.owner, done, total)

    started = time.monotonic()
    result = extract(
        ctx.arc.store.path(sha256), name, kind, ctx.engine, ctx.limits, progress=progress
    )
    seconds = round(time.monotonic() - started, 3)
    parts = (
        split_points([p.text for p in result.pages], ctx.arc.scheme.form_titles())
        if result.pages
        else []
    )
    _save_extraction(ctx, job, result, parts or [(1, max(len(result.pages), 1))], seconds)


def _signature_crops(ctx: StepContext, result: Extraction) -> dict[int, list[dict[str, Any]]]:
    """Page number → its signature fields as kept with the item, each field's crop put
    in the store (before the rows that name it are committed: a crash leaves a blob no
    row names, never a row without its blob)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for page in result.pages:
        for found in page.signatures:
            crop = ctx.arc.store.put_bytes(found.crop)
            out.setdefault(page.page_no, []).append(
                {
                    "label": found.label,
                    "signed": found.signed,
                    "ink": found.ink,
                    "box": list(found.box),
                    "crop": crop.sha256,
                    "size": len(found.crop),
                }
            )
    return out


def _keep_crops(session: Session, doc: Document, fields: list[dict[str, Any]]) -> None:
    """A file row for each crop (derived from the item's original), so that fixity checks
    and backups know them."""
    if not fields:
        return
    known = set(
        session.scalars(
            select(StoredFile.sha256).where(StoredFile.sha256.in_([f["crop"] for f in fields]))
        )
    )
    for f in fields:
        if f["crop"] not in known:
            known.add(f["crop"])
            session.add(
                StoredFile(
                    sha256=f["crop"],
                    size=f["size"],
                    media_type="image/png",
                    original_name=f"{doc.file.original_name} 第{f['page']}页 {f['label']}处.png",
                    role="derived",
                    derived_from_id=doc.file_id,
                )
            )


def _store_rendition(ctx: StepContext, result: Extraction, job: Leased) -> PutResult | None:
    """The rendition's bytes put in the store, unless the original has one already: an
    item extracted again keeps the rendition it was first shown and checked with (a
    LibreOffice PDF differs from run to run by its creation date)."""
    if result.rendition is None:
        return None
    with ctx.arc.db.read() as session:
        doc = session.get(Document, job.document_id)
        assert doc is not None
        if renditions.rendition_of(session, doc.file) is not None:
            return None
    return ctx.arc.store.put_bytes(result.rendition.data)


def _keep_rendition(session: Session, doc: Document, kind: str, sha256: str, size: int) -> None:
    """A file row for the rendition, derived from the item's original."""
    if session.scalar(select(StoredFile.id).where(StoredFile.sha256 == sha256)) is None:
        session.add(
            StoredFile(
                sha256=sha256,
                size=size,
                media_type=kind,
                original_name=f"{doc.file.original_name}.{'jpg' if kind == 'jpeg' else kind}",
                role=renditions.ROLE,
                derived_from_id=doc.file_id,
            )
        )


def _save_extraction(
    ctx: StepContext, job: Leased, result: Extraction, parts: list[tuple[int, int]], seconds: float
) -> None:
    crops = _signature_crops(ctx, result)
    # stored before the row that names it is committed, as the crops are
    rendition = _store_rendition(ctx, result, job)
    with ctx.arc.db.write() as session:
        finish(session, job.id, ctx.owner)
        doc = session.get(Document, job.document_id)
        assert doc is not None
        if rendition is not None and result.rendition is not None:
            _keep_rendition(session, doc, result.rendition.kind, rendition.sha256, rendition.size)
        session.execute(delete(Page).where(Page.document_id == doc.id))
        items = [doc]
        for _ in parts[1:]:
            sibling = Document(file=doc.file, extra=dict(doc.extra or {}), status="processing")
            session.add(sibling)
            items.append(sibling)
        session.flush()
        for item, (first, last) in zip(items, parts, strict=True):
            item.source_pages = _page_range(first, last) if len(parts) > 1 else None
            chosen = [p for p in result.pages if first <= p.page_no <= last]
            for number, page in enumerate(chosen, start=1):
                session.add(
                    Page(
                        document=item,
                        page_no=number,
                        text=page.text,
                        confidence=page.confidence,
                        engine=page.engine or page.method,
                        reread=list(page.reread) or None,
                    )
                )
            item.pages = len(chosen)
            fields = [
                {"page": number, **found}
                for number, page in enumerate(chosen, start=1)
                for found in crops.get(page.page_no, ())
            ]
            _keep_crops(session, doc, fields)
            item.extra = {
                **(item.extra or {}),
                "metadata": result.metadata,
                "extract_seconds": seconds,
                "signatures": [{k: v for k, v in f.items() if k != "size"} for f in fields],
            }
            item.error = None
            journal.record(
                session,
                actor=f"worker:{ctx.owner}",
                action="document.extract",
                entity_type="document",
                entity_id=item.id,
                after={
                    "pages": item.pages,
                    "source_pages": item.source_pages,
                    "split_from": doc.id if item is not doc else None,
                    "methods": sorted({p.method for p in chosen}),
                },
            )
            enqueue(session, CLASSIFY_STEP, document_id=item.id, queue="classify")


def _model(ctx: StepContext) -> TypeModel | None:
    now = time.monotonic()
    if ctx.model_loaded_at is None or now - ctx.model_loaded_at > MODEL_REFRESH_SECONDS:
        ctx.model = typemodel.current(ctx.arc)
        ctx.model_loaded_at = now
    return ctx.model


def classify_step(ctx: StepContext, job: Leased) -> None:
    """Type, village, household and date; file the item when sure, else send it to review."""
    model = _model(ctx)
    scheme = ctx.arc.scheme
    with ctx.arc.db.write() as session:
        finish(session, job.id, ctx.owner)
        doc = session.get(Document, job.document_id)
        assert doc is not None
        if doc.status != "processing":
            return  # already decided by a person meanwhile
        text = "\n".join(p.text for p in doc.page_rows)
        extra = dict(doc.extra or {})
        decision = decide(
            session,
            scheme,
            text,
            kind=doc.file.media_type or "",
            metadata=extra.get("metadata") or {},
            hints={k: v for k, v in extra.items() if k.startswith("hint_")},
            model=model,
            name=doc.file.original_name,
        )
        doc.doc_type = decision.doc_type
        doc.village, doc.household = decision.village, decision.household
        doc.date = decision.date
        doc.year = decision.year
        doc.title, doc.title_made_up = decision.title, decision.title_made_up
        doc.doc_number = decision.doc_number
        doc.responsible = decision.responsible or doc.responsible
        doc.retention = scheme.types[decision.doc_type].retention if decision.doc_type else None
        doc.confidence = decision.confidence
        # the facts the audit compares, read once here rather than at every audit
        facts = read_document_facts(
            decision.doc_type,
            [(p.page_no, p.text) for p in doc.page_rows],
            decision.year,
            scheme.measures,
            ocr=any(p.engine not in TYPED for p in doc.page_rows),
        )
        doc.extra = {**extra, "facts": facts} if facts else extra
        if decision.people:  # a village's cadres, by which its unnamed papers are placed
            doc.extra = {**doc.extra, "people": decision.people}
        sure = decision.confidence >= THRESHOLD and not decision.reasons
        doc.review_reasons = [] if sure else decision.reasons or ["把握不足, 请人工确认"]
        doc.status = "needs_review"
        enqueue(session, INDEX_STEP, document_id=doc.id, queue=INDEX_STEP)
        journal.record(
            session,
            actor=f"worker:{ctx.owner}",
            action="document.classify",
            entity_type="document",
            entity_id=doc.id,
            after={**decision.as_dict(), "confidence": decision.confidence, "auto_file": sure},
        )
        if sure:
            session.flush()
            try:
                file_document(
                    session, doc, scheme, actor=f"worker:{ctx.owner}", store=ctx.arc.store
                )
            except FilingRefused as refused:
                # the four-property checks' results stay recorded; a person decides
                doc.review_reasons = refused.reasons


def index_step(ctx: StepContext, job: Leased) -> None:
    """Put the item, as it now stands, in the search index. Writing it again replaces
    it, so a repeated step still leaves the item in the index once. When another process
    holds the index writer (`dangan serve`), that process's catch-up takes the item."""
    assert job.document_id is not None
    index_changed(ctx.arc, [job.document_id])
    with ctx.arc.db.write() as session:
        finish(session, job.id, ctx.owner)


STEPS: dict[str, Callable[[StepContext, Leased], None]] = {
    "extract": extract_step,
    CLASSIFY_STEP: classify_step,
    INDEX_STEP: index_step,
}
