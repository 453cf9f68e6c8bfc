"""Traditional → Simplified characters, from OpenCC's character table.

Classification, fact reading and search all compare text in Simplified form: a
township's papers mix both scripts (seed 001 is Traditional throughout).
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

# Variants that OpenCC's character table leaves apart but that mean the same word in
# these archives: 著 is both Traditional for 着 (看著 = 看着) and a Simplified character
# of its own; 臺帳 is written for 台账 (OpenCC gives 台帐). Mapped the same way on both
# sides, they only make 著/着 and 帳/帐/账 one letter to the index.
_EXTRA_T2S = {"著": "着", "帳": "账", "帐": "账"}


def _opencc_characters_file() -> Path | None:
    """OpenCC's TSCharacters.txt as shipped by `opencc-python-reimplemented`."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "dictionary" / "TSCharacters.txt"
        if path.exists():
            return path
    return None


@cache
def t2s_table() -> dict[int, int]:
    """A `str.translate` table: each Traditional character to its first Simplified one.

    Only one-to-one entries are used (a character to a character), so translation keeps
    lengths. Raises RuntimeError when OpenCC's table is not installed: silently
    comparing without 繁→简 would give wrong answers.
    """
    path = _opencc_characters_file()
    if path is None:
        raise RuntimeError(
            "缺少繁简转换字表: 请安装 opencc-python-reimplemented (提供 OpenCC 的 TSCharacters.txt)"
        )
    table: dict[int, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simplified = line.partition("\t")
        candidates = simplified.split()
        if len(trad) == 1 and candidates and len(candidates[0]) == 1 and candidates[0] != trad:
            table[ord(trad)] = ord(candidates[0])
    table.update((ord(t), ord(s)) for t, s in _EXTRA_T2S.items())
    return table


@cache
def _s2t():  # type: ignore[no-untyped-def]
    import opencc  # opencc-python-reimplemented: its phrase tables, loaded on first use

    return opencc.OpenCC("s2t").convert


def to_traditional(text: str) -> str:
    """Simplified → Traditional with OpenCC's phrase rules (日志 → 日誌, 致贫 → 致貧): for
    the few words that must be matched on Traditional pages, not for whole texts."""
    return _s2t()(text)


@cache
def _traditional_characters() -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(t2s_table())) + "]")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, character by character (no phrase rules). Text with no
    Traditional character, most of a township's papers, is returned as it is: finding
    that out is a scan in C, where translating walks a dict per character."""
    if not _traditional_characters().search(text):
        return text
    return text.translate(t2s_table())
