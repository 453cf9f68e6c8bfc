"""Hints read from a file's name.

Archivists name files and folders after the village and the household
("001_石门村/003_梁永明/梁永明申请书.jpg", "江丽翠联系卡.jpg"); scanners and phones do not
("DOC00427.jpg", "IMG_20180310_155328.jpg"). A roster village, or a roster head of
household, written in the name or in a folder of the path it was uploaded with is taken
as a hint where the uploader gave none, a little less sure than one they gave (see
`ingest.classify.decide_place`): what the page itself says still wins, and a name that
fits two households is no hint at all.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import facts
from dangan.archive.models import Household, Village

_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
NAME_LENGTHS = range(2, 5)
"""Chinese personal names are two to four characters long."""


def _substrings(name: str) -> set[str]:
    runs = _CJK_RUN.findall(facts.normalise(name))
    return {run[i : i + n] for run in runs for n in NAME_LENGTHS for i in range(len(run) - n + 1)}


def name_hints(session: Session, name: str, village_code: str | None = None) -> dict[str, str]:
    """`hint_village` and `hint_household` from the file name `name` (folders included),
    within the village `village_code` when the uploader named one; empty when the name
    names nobody, or more than one village or household."""
    pieces = _substrings(name)
    if not pieces:
        return {}
    hints: dict[str, str] = {}
    village = (
        session.scalar(select(Village).where(Village.code == village_code))
        if village_code
        else None
    )
    if village is None:
        villages = list(session.scalars(select(Village).where(Village.name.in_(pieces))))
        if len(villages) == 1:
            village = villages[0]
            hints["hint_village"] = village.code
    query = select(Household).where(Household.head_name.in_(pieces))
    if village is not None:
        query = query.where(Household.village_id == village.id)
    households = list(session.scalars(query))
    # 王山国 in the name also holds 王山; the longest name written out is the one meant
    longest = max((len(h.head_name) for h in households), default=0)
    households = [h for h in households if len(h.head_name) == longest]
    if len(households) == 1:
        hints["hint_village"] = households[0].village.code
        hints["hint_household"] = households[0].household_no
    return hints
