"""The learned half of document-type classification: character n-grams of filed
items' text, retrained when enough review corrections have accumulated."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import joblib
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dangan.archive.context import Archive
from dangan.archive.models import Document, JournalEvent, utcnow

MIN_SAMPLES = 20
RETRAIN_AFTER_CORRECTIONS = 20
_TEXT_CHARS = 1500


def model_dir(arc: Archive) -> Path:
    return arc.settings.home / "models"


@dataclass
class TypeModel:
    pipeline: object
    trained_at: dt.datetime
    samples: int

    def predict(self, text: str) -> tuple[str, float]:
        probs = self.pipeline.predict_proba([text[:_TEXT_CHARS]])[0]  # type: ignore[attr-defined]
        best = int(probs.argmax())
        return str(self.pipeline.classes_[best]), float(probs[best])  # type: ignore[attr-defined]


def train(texts: list[str], labels: list[str]) -> object | None:
    """A fitted TF-IDF + logistic-regression pipeline, or None with too little to learn."""
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), max_features=60000, sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    pipeline.fit([t[:_TEXT_CHARS] for t in texts], labels)
    return pipeline


def _training_set(session: Session) -> tuple[list[str], list[str]]:
    docs = session.scalars(
        select(Document)
        .where(Document.status == "filed", Document.doc_type.is_not(None))
        .options(selectinload(Document.page_rows))
    )
    texts, labels = [], []
    for doc in docs:
        text = "\n".join(p.text for p in doc.page_rows)
        if text.strip():
            texts.append(text)
            labels.append(doc.doc_type)
    return texts, labels


def retrain(arc: Archive) -> TypeModel | None:
    with arc.db.read() as session:
        texts, labels = _training_set(session)
    pipeline = train(texts, labels)
    if pipeline is None:
        return None
    model = TypeModel(pipeline, utcnow(), len(texts))
    folder = model_dir(arc)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"trained_at": model.trained_at.isoformat(), "samples": model.samples}
    _replace(folder / "doctype.joblib", lambda tmp: joblib.dump(pipeline, tmp))
    _replace(folder / "doctype.json", lambda tmp: tmp.write_text(json.dumps(meta), "utf-8"))
    return model


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` through a temporary file of its own: every worker retrains when
    corrections pile up, and two of them sharing one temporary name made the slower
    one's rename fail."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def load(arc: Archive) -> TypeModel | None:
    folder = model_dir(arc)
    try:
        meta = json.loads((folder / "doctype.json").read_text(encoding="utf-8"))
        pipeline = joblib.load(folder / "doctype.joblib")
    except (OSError, ValueError, EOFError):
        return None
    return TypeModel(pipeline, dt.datetime.fromisoformat(meta["trained_at"]), meta["samples"])


def corrections_since(session: Session, since: dt.datetime | None) -> int:
    query = (
        select(func.count())
        .select_from(JournalEvent)
        .where(JournalEvent.action == "document.review")
    )
    if since is not None:
        query = query.where(JournalEvent.at > since)
    return session.scalar(query) or 0


def current(arc: Archive) -> TypeModel | None:
    """The saved model, retrained first when corrections have piled up since it was made."""
    model = load(arc)
    with arc.db.read() as session:
        due = (
            corrections_since(session, model.trained_at if model else None)
            >= RETRAIN_AFTER_CORRECTIONS
        )
        if model is None and not due:
            filed = session.scalar(
                select(func.count()).select_from(Document).where(Document.status == "filed")
            )
            due = (filed or 0) >= MIN_SAMPLES
    return retrain(arc) if due else model
