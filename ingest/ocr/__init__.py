"""OCR engines behind one interface: tesseract (default) and RapidOCR (optional)."""

from __future__ import annotations

import functools

from dangan.archive.errors import InputError
from dangan.ingest.ocr.base import OcrEngine, OcrEngineError, OcrResult

__all__ = ["ENGINES", "OcrEngine", "OcrEngineError", "OcrResult", "get_engine"]

ENGINES = ("tesseract", "rapidocr")


@functools.cache
def get_engine(name: str = "tesseract") -> OcrEngine:
    """The engine called `name` ("tesseract" or "rapidocr"), one instance per process."""
    key = name.strip().lower()
    if key in ("tesseract", "tess", ""):
        from dangan.ingest.ocr.tesseract import TesseractEngine

        return TesseractEngine()
    if key in ("rapidocr", "rapid"):
        from dangan.ingest.ocr.rapid import RapidOcrEngine

        try:
            return RapidOcrEngine()
        except OcrEngineError as err:
            raise InputError(f"OCR 引擎 rapidocr 不可用: {err}") from err
    raise InputError(f"未知的 OCR 引擎 “{name}”：可选 {', '.join(ENGINES)}")
