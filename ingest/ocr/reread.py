"""A second reading of the lines tesseract doubted, by PP-OCR's recognition model alone.

RapidOCR reads the demo township's pages far better than tesseract (CER 0.4 % against
3.7 % on Simplified scans) at a third of its speed, most of it spent finding the text
lines on the page. Tesseract has found them already, and says which of its words it
doubts. So the page is read by tesseract, and each line (a table's cell) holding a word
read with less confidence than DOUBT_BELOW is cut out of the page image, with a margin,
and read again by the recognition model alone (`ingest.ocr.rapid.LineRecognizer`): a
line crop is small, and most lines are not doubted. Its reading replaces tesseract's
when the model is at least TAKE_FROM sure of it. Each line keeps the engine that read it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PIL import Image

from dangan.ingest.ocr.base import LineReader, OcrResult
from dangan.ingest.ocr.layout import TextLine, page_text
from dangan.ingest.ocr.vocabulary import Vocabulary
from dangan.ingest.ocr.words import join_words

DOUBT_BELOW = 0.80
"""A line with a word tesseract read with less confidence than this is read again."""
TAKE_FROM = 0.5
"""The recognition model's reading replaces tesseract's when it is this sure of it."""
MARGIN = 0.2
"""Blank around a line's box in its crop, in line heights: tesseract's boxes are tight,
and the model was trained on crops with some margin."""


def doubtful(line: TextLine) -> bool:
    """Whether tesseract doubted a word of `line`."""
    return line.confidence is not None and line.confidence < DOUBT_BELOW


def _crop(image: Image.Image, line: TextLine) -> Image.Image:
    pad = MARGIN * max(line.height, 1.0)
    return image.crop(
        (
            max(0, int(line.left - pad)),
            max(0, int(line.top - pad)),
            min(image.width, int(line.right + pad) + 1),
            min(image.height, int(line.bottom + pad) + 1),
        )
    )


def reread(
    result: OcrResult,
    image: Image.Image,
    reader: LineReader,
    vocabulary: Vocabulary | None = None,
    traditional: bool = False,
) -> OcrResult:
    """`result` (read from `image`) with its doubtful lines read again by `reader`;
    `result` itself when no line is doubtful, or none read again is taken."""
    doubted = [i for i, line in enumerate(result.lines) if doubtful(line)]
    if not doubted:
        return result
    lines = list(result.lines)
    taken = False
    readings = reader.read([_crop(image, lines[i]) for i in doubted])
    for i, (text, score) in zip(doubted, readings, strict=True):
        text = join_words(text.split())
        if score < TAKE_FROM or not text:
            continue
        if vocabulary is not None:
            text = vocabulary.mend(text, [score] * len(text), traditional)
        lines[i] = replace(lines[i], text=text, engine=reader.name, confidence=score)
        taken = True
    if not taken:
        return result
    return replace(
        result,
        text=page_text(lines),
        engine=f"{result.engine}+{reader.name}",
        lines=tuple(lines),
    )


def lines_read_again(result: OcrResult) -> tuple[dict[str, Any], ...]:
    """The lines of `result` that an engine other than the page's first read, as
    `archive.models.Page.reread` keeps them."""
    first = result.engine.split("+")[0]
    return tuple(
        {
            "text": line.text,
            "engine": line.engine,
            "confidence": None if line.confidence is None else round(line.confidence, 4),
            "box": [round(line.left), round(line.top), round(line.right), round(line.bottom)],
        }
        for line in result.lines
        if line.engine and line.engine != first
    )
