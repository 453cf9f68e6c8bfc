"""OCR engines behind one interface: tesseract, tesseract with its doubtful lines read
again by PP-OCR's recognition model ("hybrid", `ingest.ocr.reread`), and RapidOCR."""

from __future__ import annotations

import functools

from dangan.archive.errors import InputError
from dangan.ingest.ocr.base import OcrEngine, OcrEngineError, OcrResult

__all__ = ["DEFAULT_ENGINE", "ENGINES", "OcrEngine", "OcrEngineError", "OcrResult", "get_engine"]

ENGINES = ("hybrid", "tesseract", "rapidocr")
DEFAULT_ENGINE = "hybrid"


@functools.cache
def get_engine(name: str = DEFAULT_ENGINE) -> OcrEngine:
    """The engine called `name` (one of ENGINES), one instance per process."""
    key = name.strip().lower() or DEFAULT_ENGINE
    if key in ("tesseract", "tess", "hybrid"):
        from dangan.ingest.ocr.tesseract import TesseractEngine

        if key != "hybrid":
            return TesseractEngine()
        from dangan.ingest.ocr.rapid import LineRecognizer

        try:
            return TesseractEngine(line_reader=LineRecognizer())
        except OcrEngineError as err:
            raise InputError(
                f"OCR 引擎 hybrid 不可用: {err}；或设 DANGAN_OCR_ENGINE=tesseract 只用 tesseract"
            ) from err
    if key in ("rapidocr", "rapid"):
        from dangan.ingest.ocr.rapid import RapidOcrEngine

        try:
            return RapidOcrEngine()
        except OcrEngineError as err:
            raise InputError(f"OCR 引擎 rapidocr 不可用: {err}") from err
    raise InputError(f"未知的 OCR 引擎 “{name}”：可选 {', '.join(ENGINES)}")
