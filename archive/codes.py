"""Archival codes (档号) per DA/T 22-2015, numbered without gaps within their group.

`{fonds}-FP·{year}-{retention}-{village}·{household}-{item:04}` renders, for example,
`Z105-FP·2018-Y-003·017-0004`; village-level items carry `CJ` for the household.
The group is the code with its item number left out; each group counts from 1.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dangan.archive.counters import bump
from dangan.archive.errors import InputError

FIELDS = {"fonds", "year", "retention", "village", "household", "item"}
_GROUP_KEY_PREFIX = "code:"


@dataclass(frozen=True)
class CodeParts:
    fonds: str
    year: int
    retention: str
    village: str
    household: str  # household number, or the village-level marker (CJ)


def check_template(template: str) -> None:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if names - FIELDS:
        raise InputError(f"档号模板含未知字段 {sorted(names - FIELDS)}: {template}")
    if "item" not in names:
        raise InputError(f"档号模板必须含件号字段 {{item}}: {template}")


class _ItemMarker:
    def __format__(self, spec: str) -> str:
        return "#"


def group_of(template: str, parts: CodeParts) -> str:
    """The code with `#` in place of the item number: the unit numbered without gaps."""
    return template.format(item=_ItemMarker(), **parts.__dict__)


def render(template: str, parts: CodeParts, item: int) -> str:
    return template.format(item=item, **parts.__dict__)


def next_code(session: Session, template: str, parts: CodeParts) -> tuple[str, str, int]:
    """Take the group's next item number inside the caller's transaction.

    Returns (code, group, item). If the transaction rolls back, so does the number.
    """
    check_template(template)
    group = group_of(template, parts)
    item = bump(session, _GROUP_KEY_PREFIX + group)
    return render(template, parts, item), group, item


def pattern(template: str) -> re.Pattern[str]:
    """A regex that matches codes made from `template` (for the 四性 authenticity check)."""
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name == "item":
            width = int(spec[1:]) if spec.startswith("0") and spec[1:].isdigit() else 1
            out.append(rf"(?P<item>\d{{{width},}})")
        elif name == "year":
            out.append(r"(?P<year>\d{4})")
        elif name:
            out.append(rf"(?P<{name}>[0-9A-Za-z]+)")
    return re.compile("^" + "".join(out) + "$")
