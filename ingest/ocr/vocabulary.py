"""The archive's own words, to mend characters OCR read with doubt.

Forms in these archives repeat a small vocabulary: their printed labels (与户主关系,
住房安全有保障), the scheme's terms (贫困户, 建档立卡), and the roster's names of
villages, household heads and helpers. Tesseract's commonest slips fall in exactly those
words, one character at a time (贫困户 → 负困户, 脱貧 → 脱貸, 梁强保 → 深强保), and it
reads the slipped character with doubt. A run of characters that differs from one known
word in one character read with doubt (two, in words of six or more) is mended to that
word; a run that could be mended to two different words is left as read. Characters
already inside a known word are never changed, nor is a run that is a word of jieba's
dictionary (调查表 is one slip from 调查人, 评议会 from 评议表: both are words).

Words are kept in both scripts (OpenCC's phrase-level conversion), each script apart: a
line read as Traditional is mended towards Traditional words only, or 致負原因 would be
one slip from both 致贫原因 and 致貧原因 and left alone.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

from dangan.archive.chinese import to_simplified, to_traditional
from dangan.ingest.ocr.words import is_cjk

MEND_BELOW = 0.93
"""A character read with less confidence than this may be mended within a word of three
or more characters."""
MEND_SHORT_BELOW = 0.6
"""...and within a two-character word only below this: many two-character runs are one
character away from some known word."""
TWO_SLIPS_FROM = 6
"""Words this long may be mended in two characters."""
_HOLE = "\0"


@cache
def _dictionary() -> dict[str, int]:
    import jieba  # its dictionary loads once per process, about 1 s

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba.dt.FREQ


def _common_word(run: str) -> bool:
    """A word of jieba's dictionary (its prefixes are kept there with frequency 0)."""
    return _dictionary().get(to_simplified(run), 0) > 0


class Vocabulary:
    """Known words; `mend` corrects a line of OCR characters against them."""

    def __init__(self, words: Iterable[str]) -> None:
        simplified = frozenset(w.strip() for w in words if len(w.strip()) >= 2)
        _dictionary()  # loaded now, with the vocabulary, not while the first page is read
        self._scripts = (_Words(simplified), _Words(frozenset(map(to_traditional, simplified))))
        self._known = self._scripts[0].words | self._scripts[1].words

    def mend(self, text: str, confidences: Sequence[float], traditional: bool = False) -> str:
        """`text` (one line; `confidences[i]` 0.0-1.0 for `text[i]`) with each run that is
        one doubtful slip from a single known word of its script replaced by that word.
        Longer words are matched first, and a mended or known word (of either script:
        日志 is not mended to 日誌) is not touched again. Only CJK characters and Latin
        letters (tesseract's guess for a character it could not read) are mended, never
        digits or punctuation."""
        return self._scripts[traditional].mend(text, confidences, self._known)


class _Words:
    """Known words of one script, indexed by every way of blanking out their slips."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self._holes: dict[str, set[str]] = defaultdict(set)
        for word in words:
            for where in _slips(range(len(word)), _most_slips(len(word))):
                self._holes[_punch(word, where)].add(word)
        self._lengths = sorted({len(w) for w in words}, reverse=True)

    def mend(self, text: str, confidences: Sequence[float], known: frozenset[str]) -> str:
        chars = list(text)
        unsure = {
            i
            for i, ch in enumerate(chars)
            if confidences[i] < MEND_BELOW and (is_cjk(ch) or (ch.isascii() and ch.isalpha()))
        }
        if not unsure:
            return text
        settled = [False] * len(chars)
        for length in self._lengths:
            below = MEND_BELOW if length >= 3 else MEND_SHORT_BELOW
            # only runs holding a character read with doubt can need mending
            starts = sorted(
                {
                    s
                    for u in unsure
                    for s in range(max(0, u - length + 1), min(u, len(chars) - length) + 1)
                }
            )
            for start in starts:
                doubtful = [
                    i
                    for i in range(length)
                    if start + i in unsure
                    and confidences[start + i] < below
                    and not settled[start + i]
                ]
                if not doubtful:
                    continue
                run = "".join(chars[start : start + length])
                if run in known or _common_word(run):
                    settled[start : start + length] = [True] * length
                    continue
                found = {
                    word
                    for where in _slips(doubtful, _most_slips(length))
                    for word in self._holes.get(_punch(run, where), ())
                }
                if len(found) == 1:
                    word = found.pop()
                    if all(is_cjk(ch) for ch in word):
                        chars[start : start + length] = word
                        settled[start : start + length] = [True] * length
        return "".join(chars)


def _most_slips(length: int) -> int:
    return 2 if length >= TWO_SLIPS_FROM else 1


def _slips(positions: Iterable[int], most: int) -> Iterable[tuple[int, ...]]:
    """Every choice of 1 to `most` of `positions`."""
    positions = list(positions)
    return itertools.chain.from_iterable(
        itertools.combinations(positions, n) for n in range(1, most + 1)
    )


def _punch(word: str, where: Iterable[int]) -> str:
    chars = list(word)
    for i in where:
        chars[i] = _HOLE
    return "".join(chars)
