"""Tesseract via pytesseract: the ONE place tesseract is run.

`--oem 1 --psm 3` (LSTM, automatic page segmentation): psm 6 (one uniform block) was
measured to lose form and table content entirely. Simplified text is read with chi_sim,
Traditional text with chi_tra. Measured on a rendered Traditional A4 page (CER after
繁→简 normalisation): chi_sim 6.7 %; chi_sim+chi_tra 3.4 % at 1.75x the time of one
model, and it mixes scripts (6.9 % against the Traditional text itself); chi_tra alone
3.4 % in Traditional characters at the time of one model. On Simplified text
chi_sim+chi_tra is 13 % against chi_sim's 1.5 %, as it answers in Traditional
characters, so it is never the first pass. Each call runs one tesseract process limited
to one thread (OMP_THREAD_LIMIT=1): the worker pool runs one process per core.

A scan gets a second run over the ink the first left unread (`ingest.ocr.second_look`).
The words read are then cut into table cells, mended against the archive's vocabulary
(`ingest.ocr.vocabulary`), put in reading order (`ingest.ocr.layout`) and tidied of two
habits of the Chinese models (`tidy`).
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from dataclasses import dataclass, replace

import pytesseract
from PIL import Image

from ingest.ocr.base import OcrEngineError, OcrResult, is_cjk
from ingest.ocr.layout import TextLine, joined, reading_order
from ingest.ocr.second_look import placed, unread_sheet
from ingest.ocr.vocabulary import Vocabulary
from ingest.preprocess import recorded_dpi

CONFIG = "--oem 1 --psm 3"
SHEET_CONFIG = "--oem 1 --psm 6"
"""The second look's sheet of stacked pieces is one block of lines (`ingest.ocr.second_look`)."""
WIDE_GAP = 1.5
"""A gap between two words wider than this many line heights parts two table cells."""
TIMEOUT_SECONDS = 600
"""One page; a page that takes longer is failed rather than holding a worker for ever."""


def _environment() -> None:
    # pytesseract passes os.environ to the subprocess; respect an explicit setting.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _run(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    _environment()
    try:
        return fn(*args, timeout=TIMEOUT_SECONDS, **kwargs)
    except RuntimeError as err:  # pytesseract raises RuntimeError on timeout
        raise OcrEngineError(f"tesseract 超时 ({TIMEOUT_SECONDS} 秒)") from err
    except pytesseract.TesseractNotFoundError as err:
        raise OcrEngineError("未找到 tesseract 程序：请安装 tesseract-ocr") from err
    except pytesseract.TesseractError as err:
        raise OcrEngineError(f"tesseract 出错: {err.message or err.status}") from err


def _dpi(image: Image.Image) -> int | None:
    value = recorded_dpi(image)
    dpi = round(value) if value else None
    return dpi if dpi and 70 <= dpi <= 1200 else None


@dataclass
class TesseractEngine:
    simplified_lang: str = "chi_sim"
    traditional_lang: str = "chi_tra"
    name: str = "tesseract"
    separate_traditional: bool = True
    photo_max_upscale: float = 2.0
    vocabulary: Vocabulary | None = None

    def recognize(self, image: Image.Image, traditional: bool, scan: bool = False) -> OcrResult:
        lang = self.traditional_lang if traditional else self.simplified_lang
        lines = _words(_read(image, lang, CONFIG))
        if scan:
            sheet = unread_sheet(image, [w for line in lines for w, _ in line])
            if sheet is not None:
                words = [w for line in _words(_read(sheet.image, lang, SHEET_CONFIG)) for w in line]
                lines += placed(sheet, words)
        return _result(lines, f"{self.name}:{lang}", self.vocabulary, traditional)


def _read(image: Image.Image, lang: str, config: str) -> dict[str, list]:
    dpi = _dpi(image)
    if dpi:
        config += f" --dpi {dpi}"
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    # Handed over as an uncompressed BMP: pytesseract would write a PNG, and encoding
    # an A4 page at 300 dpi took 0.1 s, a tenth of reading it.
    with tempfile.NamedTemporaryFile(prefix="dangan-ocr-", suffix=".bmp") as handle:
        image.save(handle, "BMP")
        handle.flush()
        return _run(
            pytesseract.image_to_data,
            handle.name,
            lang=lang,
            config=config,
            output_type=pytesseract.Output.DICT,
        )


# Table borders on forms come back as these: they are rules on the paper, not text.
_BORDER_MARKS = "|｜¦丨[]{}_"
SPECK_CONFIDENCE = 50
"""A word of punctuation only, read with less confidence than this, is dust or the tick
of a table rule ("”", "@@"), not text."""


def _cells(line: list[tuple[TextLine, float]]) -> list[list[tuple[TextLine, float]]]:
    """One tesseract line cut where two words stand more than WIDE_GAP line heights apart.
    Tesseract runs a line across a table's cells; cut into cells, `reading_order` can
    join a wrapped cell's two lines before the row's other cells come between them."""
    cells = [[line[0]]]
    for (a, _), (b, conf) in itertools.pairwise(line):
        if b.left - a.right > WIDE_GAP * max(a.height, b.height, 1):
            cells.append([(b, conf)])
        else:
            cells[-1].append((b, conf))
    return cells


def _mended(
    words: list[TextLine], confidences: list[float], vocabulary: Vocabulary, traditional: bool
) -> list[TextLine]:
    """A line's words with characters read with doubt mended against `vocabulary`
    (each character takes its word's confidence)."""
    text = "".join(w.text for w in words)
    per_char = [c for w, c in zip(words, confidences, strict=True) for _ in w.text]
    mended = vocabulary.mend(text, per_char, traditional)
    if mended == text:
        return words
    out, at = [], 0
    for w in words:
        out.append(replace(w, text=mended[at : at + len(w.text)]))
        at += len(w.text)
    return out


_ROUND_FOR = {")": "(", "）": "（"}


def tidy(line: str) -> str:
    """Two habits of tesseract's Chinese models undone. It reads an opening parenthesis
    as 〈 or 《 and the closing one right: "〈保洁员)" becomes "(保洁员)". It reads
    the blank between a label's value and the next label as a curly quote ("石门村“户主"):
    a quote left unpaired in the line is dropped, paired quotes (“两不愁三保障”) stay."""
    chars = list(line)
    for i, ch in enumerate(chars):
        if ch in "〈《":
            for later in chars[i + 1 :]:
                if later in ")）":
                    chars[i] = _ROUND_FOR[later]
                if later in "〈《〉》(（)）":
                    break
    unpaired, opened = set(), None
    for i, ch in enumerate(chars):
        if ch == "“":
            if opened is not None:
                unpaired.add(opened)
            opened = i
        elif ch == "”":
            if opened is None:
                unpaired.add(i)
            opened = None
    if opened is not None:
        unpaired.add(opened)
    return "".join(ch for i, ch in enumerate(chars) if i not in unpaired)


def _words(data: dict[str, list]) -> list[list[tuple[TextLine, float]]]:
    """Tesseract's lines: each a list of (word, confidence 0.0-1.0), table rules and
    unsure specks left out."""
    lines: dict[tuple[int, int, int], list[tuple[TextLine, float]]] = {}
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        word = (word or "").strip().strip("|｜¦")
        if conf < 0 or not word or all(ch in _BORDER_MARKS for ch in word):
            continue
        if conf < SPECK_CONFIDENCE and not any(ch.isalnum() for ch in word):
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        left, top, width, height = (int(data[k][i]) for k in ("left", "top", "width", "height"))
        box = TextLine(word, left, top, left + width, top + height)
        lines.setdefault(key, []).append((box, conf / 100.0))
    return list(lines.values())


def _result(
    lines: list[list[tuple[TextLine, float]]],
    engine: str,
    vocabulary: Vocabulary | None = None,
    traditional: bool = False,
) -> OcrResult:
    """The page's text from tesseract's lines (`_words`, with any a second look read):
    each line cut into cells, each cell mended, then all put in reading order."""
    confs = [c for line in lines for _, c in line]
    cjk_words = tuple((w.text, c) for line in lines for w, c in line if any(map(is_cjk, w.text)))
    cells = []
    for cell in (cell for line in lines for cell in _cells(line)):
        words = [w for w, _ in cell]
        if vocabulary is not None:
            words = _mended(words, [c for _, c in cell], vocabulary, traditional)
        cells.append(joined(words))
    text = "\n".join(filter(None, map(tidy, reading_order(cells))))
    confidence = round(sum(confs) / len(confs), 4) if confs else None
    return OcrResult(text=text, confidence=confidence, engine=engine, cjk_words=cjk_words)


def detect_orientation(image: Image.Image) -> tuple[int, float]:
    """(degrees to turn the page counter-clockwise to make it upright, OSD confidence).

    Uses tesseract's orientation and script detection (`--psm 0`, osd.traineddata).
    Returns (0, 0.0) when OSD cannot decide (too little text) or is not installed.
    """
    try:
        out = _run(pytesseract.image_to_osd, image, config="--psm 0")
    except OcrEngineError:
        return 0, 0.0
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate:
        return 0, 0.0
    # OSD's "Rotate" is clockwise; PIL rotates counter-clockwise for positive angles.
    clockwise = int(rotate.group(1)) % 360
    return (360 - clockwise) % 360, float(conf.group(1)) if conf else 0.0


def available_languages() -> list[str]:
    _environment()
    return pytesseract.get_languages(config="")
