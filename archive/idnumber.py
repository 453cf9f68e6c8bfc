"""Resident ID numbers (居民身份证号码) per GB 11643-1999."""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    """Strip spaces and unify the lowercase/full-width X that clerks and OCR produce."""
    return raw.strip().replace(" ", "").replace("\u3000", "").replace("x", "X").replace("Ｘ", "X")


PROVINCES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
)
"""The first two digits of an address code (GB/T 2260): the provinces, autonomous
regions, municipalities, Taiwan, Hong Kong and Macao."""


def why_invalid(raw: str, today: dt.date | None = None) -> str | None:
    """None for a valid 18-digit ID number, else the reason in Chinese for the user:
    its shape, its address code's province, its birth date (a real day, not before 1900
    nor after `today`), its check digit."""
    number = normalise(raw)
    if not _SHAPE.match(number):
        return "身份证号应为18位(17位数字加校验位)"
    if number[:2] not in PROVINCES:
        return "身份证号中的地区码无效"
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if not dt.date(1900, 1, 1) <= born <= (today or dt.date.today()):
        return "身份证号中的出生日期无效"
    if check_digit(number[:17]) != number[17]:
        return "身份证号校验位错误"
    return None


def is_valid(raw: str) -> bool:
    return why_invalid(raw) is None


def birth_date(number: str) -> dt.date:
    number = normalise(number)
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask(number: str) -> str:
    """110***********1234: the form shown to users who may not see the full number."""
    number = normalise(number)
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
