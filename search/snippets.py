"""Highlighted snippets: the passages of an item's text around what was searched.

Matching runs on the normalised text (繁→简, full/half width, lower case), so a
Traditional query marks Simplified text and the reverse; what is shown is the original
text, HTML-escaped, with matches wrapped in ``<mark>``. The output is safe to insert
into a page as HTML.
"""

from __future__ import annotations

import html
import re

from dangan.search import analysis

_SPACE = re.compile(r"\s+")
_PIECE = re.compile(
    r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+"
    r"(?:\s+[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)*"
    r"|[0-9a-z\u00c0-\u024f·-]+"
)
MAX_MATCHES = 400


def _offsets(text: str, norm: str) -> list[int] | None:
    """Original offset of each normalised character, or None when they are equal."""
    if len(norm) == len(text):
        return None
    out: list[int] = []
    for i, ch in enumerate(text):
        out.extend([i] * len(analysis.normalise(ch)))
    out.append(len(text))
    return out


def _needles(terms: list[str]) -> list[str]:
    """The character runs of each term, normalised (a phrase "危房 改造" marks both)."""
    found: dict[str, None] = {}
    for term in terms:
        for piece in _PIECE.findall(analysis.normalise(term)):
            piece = _SPACE.sub("", piece).strip("·-")
            if piece:
                found[piece] = None
    return sorted(found, key=len, reverse=True)


def _pattern(needles: list[str]) -> re.Pattern[str]:
    parts = []
    for needle in needles:
        if needle[0].isascii() and needle[0].isalnum():
            escaped = rf"(?<![0-9a-z]){re.escape(needle)}(?![0-9a-z])"
        else:  # Chinese: OCR may have put spaces between the characters
            escaped = r"\s*".join(map(re.escape, needle))
        parts.append(escaped)
    return re.compile("|".join(parts))


def _render(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = start
    for a, b in marks:
        if a < pos or b > end:
            continue
        out.append(html.escape(_SPACE.sub(" ", text[pos:a])))
        out.append("<mark>" + html.escape(_SPACE.sub(" ", text[a:b])) + "</mark>")
        pos = b
    out.append(html.escape(_SPACE.sub(" ", text[pos:end])))
    return "".join(out).strip()


def snippet(text: str, terms: list[str], *, width: int = 80, fragments: int = 2) -> str:
    """Up to `fragments` passages of about `width` characters, best first in text order.

    Without a match (the item was found by its title, household or ID), the start of
    the text is shown. Returns "" for an item without text.
    """
    if not text or not text.strip():
        return ""
    norm = analysis.normalise(text)
    offsets = _offsets(text, norm)
    needles = _needles(terms)
    spans: list[tuple[int, int, str]] = []
    if needles:
        for match in _pattern(needles).finditer(norm):
            a, b = match.span()
            if offsets is not None:
                a, b = offsets[a], offsets[b]
            spans.append((a, b, match.group(0)))
            if len(spans) >= MAX_MATCHES:
                break
    if not spans:
        head = text[: width * fragments]
        tail = "…" if len(text) > len(head) else ""
        return html.escape(_SPACE.sub(" ", head).strip()) + tail

    chosen: list[tuple[int, int]] = []
    remaining = spans
    for _ in range(fragments):
        if not remaining:
            break
        best: tuple[float, int, int] | None = None
        for a, _b, _needle in remaining:
            lo = max(0, a - width // 4)
            hi = min(len(text), lo + width)
            inside = [s for s in remaining if s[0] >= lo and s[1] <= hi]
            score = len({s[2] for s in inside}) + 0.01 * len(inside)
            if best is None or score > best[0]:
                best = (score, lo, hi)
        assert best is not None
        _score, lo, hi = best
        chosen.append((lo, hi))
        remaining = [s for s in remaining if s[1] <= lo or s[0] >= hi]

    chosen.sort()
    parts = []
    for lo, hi in chosen:
        marks = [(a, b) for a, b, _ in spans if a >= lo and b <= hi]
        body = _render(text, lo, hi, marks)
        parts.append(("…" if lo > 0 else "") + body + ("…" if hi < len(text) else ""))
    return " ".join(parts).replace("……", "…")
