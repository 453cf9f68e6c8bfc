"""Characters and words of a reading: which are Chinese, and how words join into a line."""

from __future__ import annotations


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (unified, extension A, compatibility) or a CJK symbol like 〇."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3134F
        or o == 0x3007
    )


def is_cjk_or_fullwidth(ch: str) -> bool:
    """Characters that take no space before or after them in Chinese text."""
    o = ord(ch)
    return (
        is_cjk(ch)
        or 0x3000 <= o <= 0x303F  # CJK punctuation 、。「」
        or 0xFF00 <= o <= 0xFFEF  # full-width forms ，：（）
        or 0x2010 <= o <= 0x206F  # general punctuation “”‘’…—
    )


def join_words(words: list[str], gaps: list[bool] | None = None) -> str:
    """Join OCR words of one line: no space next to CJK, one space between Latin words.

    Tesseract separates every Chinese character with a space; "张 秀 英 , ID 4305" becomes
    "张秀英,ID 4305" ("ID" and "4305" keep their space). `gaps[i]` True keeps a space
    before word i whatever its script: a wide gap on the page, e.g. between table cells.
    """
    out = ""
    for i, word in enumerate(words):
        word = word.strip()
        if not word:
            continue
        wide = bool(gaps and gaps[i])
        if out and (wide or not (is_cjk_or_fullwidth(out[-1]) or is_cjk_or_fullwidth(word[0]))):
            out += " "
        out += word
    return out
