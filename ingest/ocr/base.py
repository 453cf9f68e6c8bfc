"""The OCR interface: every engine turns one page image into text and a confidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PIL import Image

from dangan.ingest.ocr.layout import TextLine
from dangan.ingest.ocr.words import is_cjk

if TYPE_CHECKING:
    from dangan.ingest.ocr.vocabulary import Vocabulary


@dataclass(frozen=True)
class OcrResult:
    text: str
    """Lines joined by "\\n", text blocks by a blank line; no spaces between CJK characters."""
    confidence: float | None
    """Mean word (tesseract) or line (RapidOCR) confidence, 0.0-1.0; None when nothing was read."""
    engine: str
    """The engine and its languages, e.g. "tesseract:chi_sim" or "rapidocr:PP-OCRv6"."""
    cjk_words: tuple[tuple[str, float], ...] = ()
    """Each word (tesseract) or line (RapidOCR) holding a CJK character, with its
    confidence 0.0-1.0, in reading order."""
    rotated: int = 0
    """Degrees (counter-clockwise) the page was turned before this result was read."""
    lines: tuple[TextLine, ...] = ()
    """The text's lines (tesseract: a table's cells) with their boxes on the image read,
    as `text` gives them: where a form's fields are (`ingest.signatures`). Each names
    the engine that read it (`TextLine.engine`)."""

    @property
    def cjk_count(self) -> int:
        return sum(1 for ch in self.text if is_cjk(ch))


class OcrEngineError(RuntimeError):
    """The engine failed on an image (crash, timeout); the caller names the file."""


class LineReader(Protocol):
    """A recognition model that reads crops of single text lines, with no detection."""

    name: str

    def read(self, crops: list[Image.Image]) -> list[tuple[str, float]]:
        """(text, confidence 0.0-1.0) of each crop, in order."""
        ...


@runtime_checkable
class OcrEngine(Protocol):
    name: str
    separate_traditional: bool
    """True when Traditional text needs its own model (tesseract); False when one model
    reads both (RapidOCR), so the pipeline never runs a second, Traditional pass."""
    photo_max_upscale: float
    """The most a phone photo's sheet is enlarged for this engine: tesseract reads
    characters 30-40 px tall far better than 15 px ones; RapidOCR scales each text line
    itself, and an enlarged page only costs it time (measured on the 8 bench photos: the
    same 0.2 % CER at 1x and 2x, 17 s against 24 s)."""

    vocabulary: Vocabulary | None
    """The archive's known words, to mend characters read with doubt (set by the
    pipeline from the scheme and the roster; None reads as is)."""
    line_reader: LineReader | None
    """Reads again the lines this engine doubted (`ingest.ocr.reread`); None: none is."""

    def recognize(self, image: Image.Image, traditional: bool, scan: bool = False) -> OcrResult:
        """The text of one prepared page image. `scan` says it is a thresholded flatbed
        scan, which tesseract looks at twice (`ingest.ocr.second_look`)."""
        ...
