"""Signature fields on a page image, and whether each was signed.

Forms ask for a signature with a label: 户主签字：, 帮扶责任人签名：, 本人签字（按手印）：.
The label is found in the OCR's lines (each with its box on the image read): with its
colon; run into the name signed after it when OCR lost the colon; or alone on its line
with nothing under it and nothing but other labels beside it. The field is the space after the label on its row, up to the next
field's label or FIELD_HEIGHTS line heights, whichever comes first. A field is signed
when ink covers at least INK_MIN of it: dark strokes on the page read, or red (a
fingerprint, a seal) on the page as scanned, when it was in colour. The line a name is
signed on and a table's borders are not ink. A table's column headed 户主签字 is left
alone: its signatures sit in the cells below, one per row, which this does not judge.

The audit reports an unsigned field (SIGNATURE_MISSING) with the field's crop, made here
from the page read, as its evidence.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from dangan.ingest.ocr.layout import TextLine

_ASKS = r"(?:[签等笠]字|签[名章]|盖章|按手印|手印|指印)(?:\s*[(（]\s*(?:按手印|盖章|手印)\s*[)）])?"
LABEL = re.compile(rf"{_ASKS}\s*[:：]")
"""A label asking for a signature, up to its colon: 签字：, 本人签字（按手印）：.
Tesseract often reads 签 as 等 or 笠; followed by 字 and a colon, neither is prose."""
_SIGNERS = (
    "帮扶责任人|贫困户|户主|本人|申请人|调查人|记录人|主持人|参会代表|评议代表|代表|"
    "负责人|经办人|审核人|联系人|监护人|家庭成员|村干部|驻村干部|包户干部|帮扶人"
)
SIGNERS = re.compile(f"(?:{_SIGNERS})$")
"""Who signs a field, as forms write it before 签字: the field's name begins there."""
BARE = re.compile(rf"(?:{_SIGNERS})?{_ASKS}")
"""A line that is nothing but a field's label, its colon lost (OCR drops a colon above
the line to sign on): a field when no text stands under it and no other column's name
beside it (a table's column heading has both)."""
LAST = re.compile(rf"(?:{_SIGNERS}){_ASKS}\s*$")
"""A label ending a line that holds other signature fields: the last field, its colon
lost and nothing signed after it (a table's heading row holds no other field)."""
SIGNED_AFTER = re.compile(rf"(?:{_SIGNERS}){_ASKS}(?=[\u4e00-\u9fff])")
"""A label run into the name signed after it, the colon lost (帮扶责任人签字王德兴). What
follows may also be prose (本人签字确认): either way the field holds ink, so this can
only find a field signed, never raise a false alarm."""
_AS_WRITTEN = str.maketrans("等笠", "签签")
FIELD = re.compile(r"[\u4e00-\u9fff（）()]{1,10}\s*[:：]")
"""Any field's label: where the field before it ends."""
FIELD_HEIGHTS = 8.0
"""The widest a field is taken to be, in line heights (a name signed large)."""
INK_MIN = 0.005
"""The share of a field's pixels that must be ink for it to count as signed. A signed
name covers 1-8 % of a field (a thin, small hand about 1 %: measured on the demo's
scans and photos), a blank one under 0.1 % (scanner dust)."""
CROP_WIDTH = 640
"""The evidence crop's largest width in pixels."""


@dataclass(frozen=True)
class SignatureField:
    label: str
    """The field's label as read, without its colon: 帮扶责任人签字."""
    box: tuple[int, int, int, int]
    """The field (left, top, right, bottom) on the page image read."""
    ink: float
    """The share of the field covered by ink, 0.0-1.0."""
    crop: bytes
    """A PNG of the label and its field: the evidence a person looks at."""

    @property
    def signed(self) -> bool:
        return self.ink >= INK_MIN


def _label_start(text: str, colon_label: re.Match[str]) -> int:
    """Where the field's name begins: at who signs it (户主, 帮扶责任人) when a form's
    word for a signer stands before 签字, else at 签字 itself (what stands before it may
    be the name signed in the field before, read into the same line)."""
    signer = SIGNERS.search(text, 0, colon_label.start())
    return signer.start() if signer else colon_label.start()


def _same_row(a: TextLine, b: TextLine) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= 0.5 * min(a.height, b.height)


def _ink(region: np.ndarray, red: np.ndarray | None) -> float:
    """The share of `region` (grayscale) that is ink, red pixels counted: left out are
    rows mostly dark (the line signed on) and thin runs of columns dark from top to
    bottom (a table's border; a fingerprint is dark as high, but not thin)."""
    dark = region < 128
    if red is not None and red.shape == dark.shape:
        dark |= red
    if dark.size == 0:
        return 0.0
    dark[dark.mean(axis=1) > 0.5, :] = False
    border = np.flatnonzero(dark.mean(axis=0) > 0.8)
    thin = max(3, round(0.08 * region.shape[0]))
    for run in np.split(border, np.flatnonzero(np.diff(border) > 1) + 1):
        if 0 < len(run) <= thin:
            dark[:, run] = False
    return float(dark.mean())


def _crop(page: Image.Image, box: tuple[int, int, int, int]) -> bytes:
    image = page.crop(box).convert("L")
    if image.width > CROP_WIDTH:
        image = image.resize((CROP_WIDTH, max(1, round(image.height * CROP_WIDTH / image.width))))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def red_mask(image: Image.Image, size: tuple[int, int]) -> np.ndarray | None:
    """Where `image` (a colour page as scanned) is red, at `size` (the page read); None
    for a page without colour."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return None
    rgb = np.asarray(image.convert("RGB").resize(size), dtype=np.int16)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 110) & (r - np.maximum(g, b) > 45)


def find_fields(
    lines: Sequence[TextLine], page: Image.Image, red: np.ndarray | None = None
) -> list[SignatureField]:
    """Every signature field that `lines` (read from `page`) label, with its ink. `red`
    (`red_mask`) marks red ink on a page that was in colour."""
    gray = np.asarray(page.convert("L"))
    height, width = gray.shape
    found = []
    for line in lines:
        for match in _labels(line, lines):
            h = max(line.height, 8.0)
            left = _x(line, match.end()) + 0.2 * h
            right = left + FIELD_HEIGHTS * h
            following = FIELD.search(line.text, match.end())
            if following:  # the next field on the line as read
                right = min(right, _x(line, _field_start(following)) - 0.3 * h)
            for other in lines:
                if other is line or other.left <= left or not _same_row(line, other):
                    continue
                label = FIELD.search(other.text)
                if label:  # the next field, read as a cell of its own
                    right = min(right, _x(other, _field_start(label)) - 0.3 * h)
            top, bottom = line.top - 0.35 * h, line.bottom + 0.35 * h
            box = (
                max(0, round(left)),
                max(0, round(top)),
                min(width, round(right)),
                min(height, round(bottom)),
            )
            if box[2] - box[0] < h or box[3] <= box[1]:
                continue  # no room for a field: the label ends the page or a cell
            region = gray[box[1] : box[3], box[0] : box[2]]
            red_region = red[box[1] : box[3], box[0] : box[2]] if red is not None else None
            start = _label_start(line.text, match)
            shown = (max(0, round(_x(line, start))), *box[1:])
            found.append(
                SignatureField(
                    label=re.sub(r"[\s:：]", "", line.text[start : match.end()]).translate(
                        _AS_WRITTEN
                    ),
                    box=box,
                    ink=round(_ink(region.copy(), red_region), 4),
                    crop=_crop(page, shown),
                )
            )
    return found


def _labels(line: TextLine, lines: Sequence[TextLine]) -> list[re.Match[str]]:
    """The signature labels on `line`: with their colons, else the whole line when it is
    a bare label with nothing written under it."""
    found = [*LABEL.finditer(line.text), *SIGNED_AFTER.finditer(line.text)]
    if found:
        last = LAST.search(line.text)
        if last and all(m.end() <= last.start() for m in found):
            found.append(last)  # 帮扶责任人签字王德兴户主签字: the colon lost, nothing signed
        return sorted(found, key=lambda m: m.start())
    bare = BARE.fullmatch(line.text)
    if bare is None:
        return []
    under = any(
        line.bottom <= other.top < line.bottom + 1.5 * line.height
        and other.left < line.right
        and other.right > line.left
        for other in lines
    )
    beside = any(  # a table's heading row: other columns' names beside it
        other is not line and _same_row(line, other) and not _labels_only(other.text)
        for other in lines
    )
    return [] if under or beside else [bare]


def _labels_only(text: str) -> bool:
    return bool(BARE.fullmatch(text) or LABEL.search(text))


def _field_start(label: re.Match[str]) -> int:
    """Where a field's label begins, taken no further back than four characters before
    its colon: a name signed in the field before may run into it ("王德兴户主签字：")
    and is that field's ink. A longer label then leaves a little print in the field
    before, which can only make it look signed: never a false alarm."""
    return max(label.start(), label.end() - 5)


def _x(line: TextLine, index: int) -> float:
    """Where the `index`-th character of `line` stands on the page (characters taken as
    equally wide: a CJK form's are)."""
    return line.left + (line.right - line.left) * index / max(len(line.text), 1)
