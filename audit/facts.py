"""What the archive holds about each household: the roster's row (the information
system's side), its helpers' pairings, and the items filed to it or waiting in review
with it as the guess. Read once for the whole archive, so that rules which look across
households (a helper's load, a helper who is a registered household) see all of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from dangan.archive.models import Document, Helper, Household, Pairing, Village
from dangan.audit.findings import Evidence
from dangan.audit.sources import (
    COUNTED_STATUSES,
    HouseholdReadings,
    UnsignedField,
    VillageReadings,
    in_village,
    read_sources,
    unsigned_fields,
)


@dataclass(frozen=True)
class PairingFact:
    helper_key: int
    helper_name: str
    helper_id_number: str | None
    start: dt.date | None
    end: dt.date | None

    def overlaps(self, other: PairingFact) -> bool:
        """Whether both periods share a day (an open end runs on; an unknown start is
        taken as always)."""
        return (self.start is None or other.end is None or self.start <= other.end) and (
            other.start is None or self.end is None or other.start <= self.end
        )


@dataclass(frozen=True)
class ItemFact:
    document_id: int
    archival_code: str | None
    doc_type: str | None
    status: str
    title: str | None
    date: dt.date | None
    """The day the item was made, as classification read it."""

    def evidence(self, excerpt: str) -> Evidence:
        return Evidence(excerpt, self.document_id, self.archival_code)


@dataclass(frozen=True)
class HouseholdFacts:
    village_code: str
    village_name: str
    household_no: str
    head_name: str
    id_number: str
    members: int | None
    identification_year: int | None
    exit_year: int | None
    annual_income: float | None
    pairings: tuple[PairingFact, ...]
    items: tuple[ItemFact, ...]
    papers: HouseholdReadings
    """What the household's papers and the work logs say (audit.sources)."""
    unsigned: tuple[UnsignedField, ...] = ()
    """Signature fields left unsigned on its items."""

    @property
    def label(self) -> str:
        """How a finding names the household: 白沙村 017 号户 王华新."""
        return f"{self.village_name} {self.household_no} 号户 {self.head_name}"

    def roster(self, excerpt: str) -> Evidence:
        """Evidence read from the roster (the information system's side)."""
        return Evidence(f"花名册 {self.label}: {excerpt}")


@dataclass(frozen=True)
class VillageFacts:
    code: str
    name: str
    papers: VillageReadings
    """Its meetings and its 公示's posting periods (audit.sources)."""
    unsigned: tuple[UnsignedField, ...] = ()
    """Signature fields left unsigned on its own items (minutes, 评议 records)."""
    unplaced: tuple[ItemFact, ...] = ()
    """Its items waiting in review whose household could not be told."""


@dataclass(frozen=True)
class Facts:
    households: tuple[HouseholdFacts, ...]
    """Every household of the archive, ordered by village code and household number."""
    villages: tuple[VillageFacts, ...] = ()
    """Every village, ordered by code."""


def _of_village(village_id: int | None) -> ColumnElement[bool]:
    """Households of one village; all for None."""
    return true() if village_id is None else Household.village_id == village_id


def read_facts(
    session: Session,
    measure_words: dict[str, tuple[str, ...]],
    village_id: int | None = None,
    papers: bool = True,
) -> Facts:
    """The facts of every household of one village (`village_id`) or of all, measures
    matched by `measure_words` (scheme.toml's [measures]). Without `papers`, the roster's
    side only (households and pairings, no items and nothing read from them): what the
    rules that look across villages need, small enough for a county at once."""
    items: dict[int, list[ItemFact]] = defaultdict(list)
    unsigned: dict[tuple[str, int | None], list[UnsignedField]] = defaultdict(list)
    unplaced: dict[int, list[ItemFact]] = defaultdict(list)
    readings: dict[int, HouseholdReadings] = {}
    village_papers: dict[int, VillageReadings] = {}
    if papers:
        # the households' items, and the village's in review whose household was not told
        rows = session.execute(
            select(
                Document.household_id,
                Document.village_id,
                Document.id,
                Document.archival_code,
                Document.doc_type,
                Document.status,
                Document.title,
                Document.date,
            )
            .where(
                in_village(village_id),
                Document.status.in_(COUNTED_STATUSES),
                or_(
                    Document.household_id.is_not(None),
                    and_(Document.status == "needs_review", Document.village_id.is_not(None)),
                ),
            )
            .order_by(Document.id)
        )
        for household_id, village, *item in rows:
            if household_id is not None:
                items[household_id].append(ItemFact(*item))
            else:
                unplaced[village].append(ItemFact(*item))
        readings, village_papers = read_sources(session, measure_words, village_id)
        for found in unsigned_fields(session, village_id):
            if found.household_id is not None:
                unsigned[("household", found.household_id)].append(found)
            else:
                unsigned[("village", found.village_id)].append(found)
    pairings: dict[int, list[PairingFact]] = defaultdict(list)
    rows = session.execute(
        select(
            Pairing.household_id,
            Helper.id,
            Helper.name,
            Helper.id_number,
            Pairing.start_date,
            Pairing.end_date,
        )
        .join(Helper, Pairing.helper_id == Helper.id)
        .where(Pairing.household_id.in_(select(Household.id).where(_of_village(village_id))))
        .order_by(Pairing.household_id, Pairing.start_date, Pairing.id)
    )
    for household_id, *pairing in rows:
        pairings[household_id].append(PairingFact(*pairing))
    rows = session.execute(
        select(
            Household.id,
            Village.code,
            Village.name,
            Household.household_no,
            Household.head_name,
            Household.id_number,
            Household.members,
            Household.identification_year,
            Household.exit_year,
            Household.annual_income,
        )
        .join(Village, Household.village_id == Village.id)
        .where(_of_village(village_id))
        .order_by(Village.code, Household.household_no)
    ).all()
    households = tuple(
        HouseholdFacts(
            *row[1:],
            pairings=tuple(pairings.get(row.id, ())),
            items=tuple(items.get(row.id, ())),
            papers=readings.get(row.id) or HouseholdReadings(),
            unsigned=tuple(unsigned.get(("household", row.id), ())),
        )
        for row in rows
    )
    villages = tuple(
        VillageFacts(
            code,
            name,
            village_papers.get(vid) or VillageReadings(),
            tuple(unsigned.get(("village", vid), ())),
            tuple(unplaced.get(vid, ())),
        )
        for vid, code, name in session.execute(
            select(Village.id, Village.code, Village.name)
            .where(true() if village_id is None else Village.id == village_id)
            .order_by(Village.code)
        )
    )
    return Facts(households, villages)
