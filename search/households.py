"""Finding a registered household (建档立卡户) by what an inspector types.

Against the households table (the roster), not the index:

- an ID number (18 characters) matches exactly: the most reliable key, and the one that
  still works when OCR has garbled the name next to it ("王建囯 110105…" finds 王建国);
- a household number ("017", within a village when one is given);
- a head-of-household name, exactly (after 繁→简 normalisation), else fuzzily with
  rapidfuzz so an OCR-noisy name (王建囯, 李秀兰 read as 李秀三) still finds its household.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dangan.archive.models import Household, Village
from dangan.search import analysis
from dangan.search.backend import household_key

MatchKind = Literal["id_number", "household_no", "name", "name_fuzzy"]
FUZZY_CUTOFF = 66.0  # one wrong character in a three-character name is 66.7
_HOUSEHOLD_NO = re.compile(r"^\d{1,6}$")


@dataclass(frozen=True)
class HouseholdMatch:
    household_id: int
    village_code: str
    village: str
    household_no: str
    head_name: str
    id_number: str
    matched_by: MatchKind
    score: float  # 100 for exact matches

    @property
    def key(self) -> str:
        """The index's household key ("003/017")."""
        return household_key(self.village_code, self.household_no) or ""


def _match(h: Household, kind: MatchKind, score: float) -> HouseholdMatch:
    return HouseholdMatch(
        household_id=h.id,
        village_code=h.village.code,
        village=h.village.name,
        household_no=h.household_no,
        head_name=h.head_name,
        id_number=h.id_number,
        matched_by=kind,
        score=round(score, 1),
    )


def _base(village_ids: list[int] | None):  # type: ignore[no-untyped-def]
    query = select(Household).options(selectinload(Household.village))
    if village_ids is not None:
        query = query.where(Household.village_id.in_(village_ids))
    return query


def find_households(
    session: Session,
    text: str,
    *,
    village_ids: list[int] | None = None,
    limit: int = 10,
    cutoff: float = FUZZY_CUTOFF,
) -> list[HouseholdMatch]:
    """Households matching `text`, best first. `village_ids` limits the search (a
    village filter or a user's scope); None searches every village."""
    words = analysis.normalise(text).split()
    ids = [w.upper() for w in words if analysis.is_id_number(w)]
    if ids:
        rows = session.scalars(_base(village_ids).where(Household.id_number.in_(ids)))
        found = [_match(h, "id_number", 100.0) for h in rows]
        if found:
            return found[:limit]
    rest = [w for w in words if not analysis.is_id_number(w)]
    numbers = [w for w in rest if _HOUSEHOLD_NO.match(w)]
    if numbers:
        rows = session.scalars(
            _base(village_ids)
            .where(Household.household_no.in_(numbers))
            .order_by(Household.village_id, Household.household_no)
        )
        found = [_match(h, "household_no", 100.0) for h in rows]
        if found:
            return found[:limit]
    name = "".join(w for w in rest if not _HOUSEHOLD_NO.match(w))
    if not name:
        return []
    return _by_name(session, name, village_ids, limit, cutoff)


def _by_name(
    session: Session, name: str, village_ids: list[int] | None, limit: int, cutoff: float
) -> list[HouseholdMatch]:
    rows = list(
        session.scalars(_base(village_ids).order_by(Household.village_id, Household.household_no))
    )
    exact = [h for h in rows if analysis.normalise(h.head_name) == name]
    if exact:
        return [_match(h, "name", 100.0) for h in exact[:limit]]
    choices = [analysis.normalise(h.head_name) for h in rows]
    best = process.extract(name, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
    return [_match(rows[index], "name_fuzzy", score) for _choice, score, index in best]


def village_ids_for(session: Session, codes: list[str]) -> list[int]:
    return list(session.scalars(select(Village.id).where(Village.code.in_(codes))))
