"""Tesseract, in process through tesserocr: the ONE place tesseract is run.

`--oem 1 --psm 3` (LSTM, automatic page segmentation): psm 6 (one uniform block) was
measured to lose form and table content entirely. Simplified text is read with chi_sim,
Traditional text with chi_tra. Measured on a rendered Traditional A4 page (CER after
繁→简 normalisation): chi_sim 6.7 %; chi_sim+chi_tra 3.4 % at 1.75x the time of one
model, and it mixes scripts (6.9 % against the Traditional text itself); chi_tra alone
3.4 % in Traditional characters at the time of one model. On Simplified text
chi_sim+chi_tra is 13 % against chi_sim's 1.5 %, as it answers in Traditional
characters, so it is never the first pass.

Each worker process loads the library once and keeps one engine per language for its
life. Starting the `tesseract` program for every reading (as pytesseract does) cost
0.15 s of loading each time, most of it the legacy engine's ambiguity tables, which are
loaded even for `--oem 1`: a sixth of reading an A4 scan, paid again by the second look
and by the Traditional re-read. Built against the system's libtesseract (the Makefile
builds tesserocr from source when the headers are installed), the words read are those
of the `tesseract` program. OpenMP is limited to one thread (OMP_THREAD_LIMIT=1, set
before the library loads): the worker pool runs one process per core.

A scan gets a second run over the ink the first left unread (`ingest.ocr.second_look`).
The words read are then cut into table cells, mended against the archive's vocabulary
(`ingest.ocr.vocabulary`), put in reading order (`ingest.ocr.layout`) and tidied of two
habits of the Chinese models (`tidy`).
"""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from PIL import Image

from dangan.ingest.ocr.base import LineReader, OcrEngineError, OcrResult
from dangan.ingest.ocr.layout import TextLine, joined, page_text
from dangan.ingest.ocr.second_look import placed, unread_sheet
from dangan.ingest.ocr.vocabulary import Vocabulary
from dangan.ingest.ocr.words import is_cjk
from dangan.ingest.pages.dpi import recorded_dpi

PAGE_MODE = 3
"""Page segmentation for a page: automatic (`--psm 3`)."""
SHEET_MODE = 6
"""The second look's sheet of stacked pieces is one block of lines (`--psm 6`)."""
WIDE_GAP = 1.5
"""A gap between two words wider than this many line heights parts two table cells."""
TIMEOUT_SECONDS = 600
"""One page; a page that takes longer is failed rather than holding a worker for ever."""
COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
           "left", "top", "width", "height", "conf", "text")  # fmt: skip
"""The columns of tesseract's TSV output, one list each in a reading (`read_tsv`)."""
_DEBIAN_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")


def _library() -> ModuleType:
    """tesserocr, loaded with OpenMP limited to one thread: libgomp reads the variable
    once, when it is loaded, and an explicit setting is respected."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr
    except ImportError as err:
        raise OcrEngineError("未安装 tesserocr：请运行 make venv 重新安装依赖") from err
    return tesserocr


@functools.cache
def _tessdata() -> str:
    """The folder of language data: the library's own (TESSDATA_PREFIX or where it was
    built to look), else Debian's, where a tesserocr wheel with its own tesseract does
    not look."""
    path, languages = _library().get_languages()
    if "chi_sim" in languages:
        return path
    for folder in _DEBIAN_TESSDATA:
        if (Path(folder) / "chi_sim.traineddata").is_file():
            return folder + "/"
    return path


@functools.cache
def _api(lang: str) -> Any:
    """This process's tesseract for `lang`, loaded once (worker processes are spawned,
    never forked, so each loads its own)."""
    tesserocr = _library()
    oem = tesserocr.OEM.DEFAULT if lang == "osd" else tesserocr.OEM.LSTM_ONLY
    try:
        return tesserocr.PyTessBaseAPI(path=_tessdata(), lang=lang, oem=oem)
    except RuntimeError as err:
        raise OcrEngineError(
            f"tesseract 无法加载语言 {lang}（语言数据目录 {_tessdata()}）："
            "请安装 tesseract-ocr-chi-sim、tesseract-ocr-chi-tra 和 tesseract-ocr-osd"
        ) from err


def _dpi(image: Image.Image) -> int | None:
    value = recorded_dpi(image)
    dpi = round(value) if value else None
    return dpi if dpi and 70 <= dpi <= 1200 else None


def _set_image(api: Any, image: Image.Image, mode: int) -> None:
    """Hand `image` over as raw pixels (encoding it as PNG, as pytesseract and
    tesserocr's SetImage do, took 0.1 s on an A4 page at 300 dpi)."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode in ("1", "I", "I;16", "F") else "RGB")
    depth = 1 if image.mode == "L" else 3
    api.SetPageSegMode(mode)
    api.SetImageBytes(image.tobytes(), image.width, image.height, depth, image.width * depth)
    dpi = _dpi(image)
    if dpi:
        api.SetSourceResolution(dpi)


@dataclass
class TesseractEngine:
    simplified_lang: str = "chi_sim"
    traditional_lang: str = "chi_tra"
    name: str = "tesseract"
    separate_traditional: bool = True
    photo_max_upscale: float = 2.0
    vocabulary: Vocabulary | None = None
    line_reader: LineReader | None = None

    def recognize(self, image: Image.Image, traditional: bool, scan: bool = False) -> OcrResult:
        lang = self.traditional_lang if traditional else self.simplified_lang
        lines = _words(read_tsv(image, lang, PAGE_MODE))
        if scan:
            sheet = unread_sheet(image, [w for line in lines for w, _ in line])
            if sheet is not None:
                words = [
                    w for line in _words(read_tsv(sheet.image, lang, SHEET_MODE)) for w in line
                ]
                lines += placed(sheet, words)
        return _result(lines, f"{self.name}:{lang}", self.vocabulary, traditional)


def read_tsv(image: Image.Image, lang: str, mode: int) -> dict[str, list[str]]:
    """Tesseract's words on `image` read with `lang` in page segmentation `mode`: its TSV
    output, a list per column (COLUMNS)."""
    api = _api(lang)
    try:
        _set_image(api, image, mode)
        if not api.Recognize(max(1, int(TIMEOUT_SECONDS * 1000))):
            raise OcrEngineError(f"tesseract 超时 ({TIMEOUT_SECONDS} 秒)")
        tsv = api.GetTSVText(0)
    finally:
        api.Clear()
    data: dict[str, list[str]] = {column: [] for column in COLUMNS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        cells += [""] * (len(COLUMNS) - len(cells))
        for column, cell in zip(COLUMNS, cells, strict=False):
            data[column].append(cell)
    return data


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
    each line cut into cells, each cell mended and tidied, then all put in reading order.
    Each cell keeps its least word confidence, by which `ingest.ocr.reread` picks the
    cells to read again."""
    confs = [c for line in lines for _, c in line]
    cjk_words = tuple((w.text, c) for line in lines for w, c in line if any(map(is_cjk, w.text)))
    cells = []
    for cell in (cell for line in lines for cell in _cells(line)):
        words = [w for w, _ in cell]
        if vocabulary is not None:
            words = _mended(words, [c for _, c in cell], vocabulary, traditional)
        box = joined(words)
        if text := tidy(box.text):
            least = min(c for _, c in cell)
            cells.append(replace(box, text=text, engine=engine, confidence=least))
    return OcrResult(
        text=page_text(cells),
        confidence=round(sum(confs) / len(confs), 4) if confs else None,
        engine=engine,
        cjk_words=cjk_words,
        lines=tuple(cells),
    )


def detect_orientation(image: Image.Image) -> tuple[int, float]:
    """(degrees to turn the page counter-clockwise to make it upright, OSD confidence).

    Uses tesseract's orientation and script detection (`--psm 0`, osd.traineddata).
    Returns (0, 0.0) when OSD cannot decide (too little text) or is not installed.
    """
    try:
        api = _api("osd")
    except OcrEngineError:
        return 0, 0.0
    try:
        _set_image(api, image, 0)
        found = api.DetectOrientationScript()
    finally:
        api.Clear()
    if not found:
        return 0, 0.0
    # tesseract's orient_deg is the counter-clockwise turn that makes the page upright
    return int(found["orient_deg"]) % 360, float(found["orient_conf"])


def available_languages() -> list[str]:
    return list(_library().get_languages(_tessdata())[1])
