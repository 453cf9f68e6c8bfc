"""Demo township generator: a synthetic cabinet of poverty-alleviation records.

No real household file can be shipped, so this package makes one: a township with
villages and registered households (``people``), the roster in 花名册 style
(``roster``), the text of every document type (``forms``), page images that look like
flatbed scans and phone photos, image and text PDFs and DOCX files (``layout``,
``render``, ``pdftext``, ``office``), planted faults (``faults``) and a ground-truth
JSON beside the corpus (``build``). ``textonly`` yields items without rendering for
index benchmarks.

Everything is deterministic for a seed: the same seed gives byte-identical files.
"""

from __future__ import annotations

PRESETS: dict[str, tuple[int, int]] = {
    "small": (1, 3),
    "default": (3, 10),
    "large": (10, 30),
}
"""Named sizes as (villages, households per village)."""

__all__ = ["PRESETS"]
