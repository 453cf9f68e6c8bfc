"""Synthetic archive items as text only, for search and index benchmarks.

``iter_text_items`` yields the same documents the cabinet generator renders (same
forms, names, ID numbers, dates, some in Traditional characters), but as plain dicts
with no layout, no images and no OCR: fast enough for 100,000 items in seconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

from dangan.demo.forms import document_text, household_documents, traditional, village_documents
from dangan.demo.people import make_township

ITEMS_PER_HOUSEHOLD = 9  # fewer than a household has (13 types less missing items): n is reached
ITEMS_PER_VILLAGE = 30  # at least: minutes, logs, 评议, 公示/公告, ledger
TRADITIONAL_SHARE = 0.08


def _shape(n: int) -> tuple[int, int]:
    """(villages, households per village) for about ``n`` items."""
    per_village = 20
    while True:
        villages = math.ceil(n / (per_village * ITEMS_PER_HOUSEHOLD + ITEMS_PER_VILLAGE))
        if villages <= 999:
            return max(1, villages), per_village
        per_village *= 2


def iter_text_items(n: int, seed: int = 2018) -> Iterator[dict[str, Any]]:
    """``n`` items, each ``{title, text, doc_type, village_code, village, household_no,
    head_name, id_numbers, date (ISO), year, traditional}``; deterministic for ``seed``."""
    if n <= 0:
        return
    villages, per_village = _shape(n)
    t = make_township(seed, villages, per_village)
    rng = random.Random(f"textonly:{seed}")
    count = 0
    for v in t.villages:
        docs = []
        for hh in v.households:
            docs.extend(household_documents(t, v, hh, seed))
        docs.extend(village_documents(t, v, seed))
        for doc in docs:
            if doc.doc_type == "H16":
                continue
            if doc.doc_type != "H15" and rng.random() < TRADITIONAL_SHARE:
                doc = traditional(doc)
            yield {
                "title": doc.title,
                "text": document_text(doc),
                "doc_type": doc.doc_type,
                "village_code": doc.village_code,
                "village": doc.village,
                "household_no": doc.household_no,
                "head_name": doc.head_name,
                "id_numbers": list(doc.id_numbers),
                "date": doc.date.isoformat(),
                "year": doc.date.year,
                "traditional": doc.traditional,
            }
            count += 1
            if count >= n:
                return
