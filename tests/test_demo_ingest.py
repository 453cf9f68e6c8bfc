"""The demo township read back through the real extractors, OCR and page splitting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dangan.archive.scheme import load_scheme
from dangan.demo.build import build_township
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from dangan.ingest.sniff import sniff_file
from dangan.ingest.split import split_points
from tests.pages import cer


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    build_township(out, seed=11, villages=1, households_per_village=3, workers=2)
    return out, json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))


def _first(truth: dict, **want: object) -> dict:
    return next(f for f in truth["files"] if all(f.get(k) == v for k, v in want.items()))


def _read(corpus_dir: Path, entry: dict):  # type: ignore[no-untyped-def]
    path = corpus_dir / entry["path"]
    kind = sniff_file(path, path.name)
    return extract(path, path.name, kind, get_engine("tesseract"), Limits())


@pytest.mark.parametrize("form", ["pdf_text", "docx"])
def test_born_digital_files_give_back_their_text(corpus, form):
    corpus_dir, truth = corpus
    entry = _first(truth, form=form)
    result = _read(corpus_dir, entry)
    expected = "\n".join(t for part in entry["parts"] for t in part["text"])
    assert cer(expected, "\n".join(p.text for p in result.pages)) < 0.02
    assert {p.method for p in result.pages} == {"text" if form == "pdf_text" else "docx"}


def test_flatbed_scan_is_read_by_ocr(corpus):
    corpus_dir, truth = corpus
    entry = _first(truth, form="scan", traditional=False, pages=1)
    result = _read(corpus_dir, entry)
    assert result.pages[0].method == "ocr"
    # The generator's scans carry seals, hand-filled values and grid lines: docs/benchmarks.md
    # has the measured error rates; here the page must be recognisably the same text.
    assert cer(entry["parts"][0]["text"][0], result.pages[0].text) < 0.35


def test_feeder_scan_splits_where_the_generator_joined_forms(corpus):
    corpus_dir, truth = corpus
    entry = next(f for f in truth["files"] if f["form"] == "pdf_image" and len(f["parts"]) > 1)
    result = _read(corpus_dir, entry)
    assert len(result.pages) == entry["pages"]
    parts = split_points([p.text for p in result.pages], load_scheme().form_titles())
    expected = []
    for part in entry["parts"]:
        first, _, last = part["pages"].partition("-")
        expected.append((int(first), int(last or first)))
    assert parts == expected


def test_photo_of_the_work_keeps_its_exif_date(corpus):
    corpus_dir, truth = corpus
    entry = next(f for f in truth["files"] if f["form"] == "photo" and f.get("taken"))
    result = _read(corpus_dir, entry)
    taken = dt.datetime.fromisoformat(result.metadata["date_taken"]).replace(tzinfo=None)
    assert taken == dt.datetime.fromisoformat(entry["taken"]).replace(tzinfo=None)
