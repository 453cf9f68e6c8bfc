"""Text analysis shared by every index backend and by query parsing.

One pipeline, applied the same way to what is indexed and to what is searched:

1. `normalise`: Unicode NFKC (full-width letters, digits and punctuation become
   half-width, Kangxi radicals and compatibility ideographs become the ordinary
   characters), Traditional → Simplified through a one-to-one character map built
   from OpenCC's ``TSCharacters.txt``, then lower case. The map changes characters,
   never lengths, so offsets in the normalised text usually equal offsets in the
   original (``snippets`` relies on that and falls back to a per-character map).
2. `tokens` (and `trigrams`, a second stream for three-character and longer words):
   CJK runs (white space inside a run is dropped: OCR spaces characters
   apart and lines break words) become overlapping character bigrams (a lone CJK
   character stays a unigram), Latin letters and digits become words, and ID numbers (18 characters)
   and archival codes (档号, e.g. ``Z105-FP·2018-Y-003·017-0001``) are kept whole as
   exact terms in addition to their parts.

jieba words are not indexed: on the demo corpus they did not change the top results of
any benchmark query class (bigram phrases already require the characters to be adjacent)
while costing several times the analysis time. `words` exposes them for callers that
want to experiment (``bench/search.py --jieba`` measures the cost).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from functools import cache

from dangan.archive.chinese import t2s_table

ANALYSIS_VERSION = 1  # bump whenever tokens change: the index schema version includes it

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# CJK characters separated only by white space are one run: OCR often puts spaces
# between characters, and line breaks cut words in two.
_RUN = re.compile(rf"[{_CJK}]+(?:\s+[{_CJK}]+)*|[0-9a-z\u00c0-\u024f]+")
_SPACE = re.compile(r"\s+")
_CJK_ONLY = re.compile(rf"^[{_CJK}]+$")
# Four or more alphanumeric parts joined by "-" or "·", with at least one "-":
# the shape of an archival code; dates ("2016-03-05") have only three parts.
_CODE = re.compile(r"(?<![0-9a-z·-])[0-9a-z]+(?:[-·][0-9a-z]+){3,}(?![0-9a-z·-])")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9x](?![0-9a-z])")


@cache
def _traditional() -> frozenset[str]:
    """The characters the map changes: most text needs no translation at all."""
    return frozenset(map(chr, t2s_table()))


def normalise(text: str) -> str:
    """NFKC, Traditional → Simplified, lower case: the form both index and query see."""
    if not text:
        return ""
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        table = t2s_table()
        if not _traditional().isdisjoint(text):
            text = text.translate(table)
    return text.lower()


def _streams(norm: str, with_trigrams: bool) -> tuple[list[str], list[str]]:
    out: list[str] = []
    tri: list[str] = []
    append, extend = out.append, out.extend
    add = operator.add
    for run in _RUN.findall(norm):
        # Latin runs start below U+0250, CJK runs at U+3007 or above.
        if len(run) > 1 and run[0] >= "\u3007":
            if not run.isalpha():
                run = _SPACE.sub("", run)
            pairs = list(map(add, run, run[1:]))
            extend(pairs)
            if with_trigrams and len(run) > 2:
                tri.extend(map(add, pairs, run[2:]))
        else:
            append(run)
    if "-" in norm:
        out.extend(m.group(0) for m in _CODE.finditer(norm))
    return out, tri


def tokens(text: str, *, normalised: bool = False) -> list[str]:
    """Index terms of `text`, in order (positions matter for phrases).

    CJK runs give bigrams ("扶贫手册" → 扶贫 贫手 手册); Latin and digit runs give words;
    ID numbers and archival codes are added whole after the other terms.
    """
    return _streams(text if normalised else normalise(text), False)[0]


def trigrams(text: str, *, normalised: bool = False) -> list[str]:
    """CJK character trigrams of `text` in order, for CJK runs of three or more.

    A second stream beside the bigrams: a three-character word is then one term
    instead of a two-bigram phrase, and longer words are phrases of rarer terms.
    Common words such as 贫困户 or 村委会 occur in most items of an archive; checking
    bigram positions in every one of them is what made such queries slow.
    """
    return _streams(text if normalised else normalise(text), True)[1]


def analyse(text: str) -> str:
    """`tokens` joined by spaces: what backends index with a whitespace tokenizer."""
    return " ".join(tokens(text))


def analyse_both(text: str) -> tuple[str, str]:
    """(`tokens`, `trigrams`) of `text`, each joined by spaces, in one pass."""
    out, tri = _streams(normalise(text), True)
    return " ".join(out), " ".join(tri)


def cjk_word(text: str) -> str | None:
    """The normalised text as one CJK run (inner white space dropped), else None."""
    norm = _SPACE.sub("", normalise(text))
    return norm if norm and _CJK_ONLY.match(norm) else None


def id_numbers(text: str) -> list[str]:
    """18-character ID numbers found in `text`, upper-case X, in order, without repeats."""
    norm = normalise(text)
    return list(dict.fromkeys(m.group(0).upper() for m in _ID_NUMBER.finditer(norm)))


def is_id_number(term: str) -> bool:
    norm = normalise(term).replace(" ", "")
    return bool(_ID_NUMBER.fullmatch(norm))


def is_archival_code(term: str) -> bool:
    return bool(_CODE.fullmatch(normalise(term)))


def normalise_code(code: str) -> str:
    """An archival code as the index keeps it in the exact-match field: NFKC, upper case."""
    return unicodedata.normalize("NFKC", code).strip().upper()


def is_cjk(text: str) -> bool:
    return bool(_CJK_ONLY.match(text))


def words(text: str) -> list[str]:
    """jieba words (search mode) of the normalised text; not used by the index."""
    import jieba

    jieba.setLogLevel(60)
    return [w for w in jieba.cut_for_search(normalise(text)) if w.strip()]
