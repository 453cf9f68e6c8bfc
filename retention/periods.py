"""Retention periods: when an item falls due, and whether it may be destroyed.

A period comes from the item's document type in the filing scheme (scheme.toml, DA/T
22-2015 codes: Y 永久, D30 定期30年, D10 定期10年; a deployment may add Dnn) and counts
from 1 January of the year after the item's year. Nothing is destroyable before
2021-01-01 (seed 004: "所有资料至少要保存到2020年"), before its period ends, while a
hold covers it, or ever when it is permanent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive.models import Document, RetentionExtension, RetentionHold
from dangan.archive.queries import resolve_village
from dangan.archive.scheme import Scheme

EARLIEST_DISPOSAL = dt.date(2021, 1, 1)
PERMANENT = "Y"
_FIXED_TERM = re.compile(r"^D(\d{1,3})$")


def period_years(code: str | None) -> int | None:
    """Years of a fixed-term code ("D30" → 30); None for permanent (Y) and for a code
    that names no term, which is kept as permanent rather than guessed."""
    match = _FIXED_TERM.match(code or "")
    return int(match.group(1)) if match else None


def longest(*codes: str | None) -> str:
    """The code that keeps an item longest: permanent wins over any term."""
    terms = [period_years(c) for c in codes if c]
    if not terms or any(t is None for t in terms):
        return PERMANENT
    return f"D{max(t for t in terms if t is not None)}"


def due_date(year: int | None, code: str | None, extra_years: int = 0) -> dt.date | None:
    """The first day the item may be destroyed; None when it never may (permanent, or
    no year to count from)."""
    years = period_years(code)
    if years is None or year is None:
        return None
    return dt.date(year + 1 + years + max(extra_years, 0), 1, 1)


def destroyable(
    year: int | None, code: str | None, *, held: bool, today: dt.date, extra_years: int = 0
) -> bool:
    due = due_date(year, code, extra_years)
    return due is not None and not held and today >= due and today >= EARLIEST_DISPOSAL


def years_kept(year: int | None, today: dt.date) -> int:
    """Whole years kept so far, counted like the period (from 1 January after the year)."""
    return max(today.year - (year or today.year) - 1, 0)


@dataclass
class Holds:
    """The holds in force, by what they cover."""

    by_document: dict[int, list[RetentionHold]] = field(default_factory=lambda: defaultdict(list))
    by_household: dict[int, list[RetentionHold]] = field(default_factory=lambda: defaultdict(list))
    by_village: dict[int, list[RetentionHold]] = field(default_factory=lambda: defaultdict(list))

    def covering(
        self, document_id: int, household_id: int | None, village_id: int | None
    ) -> list[RetentionHold]:
        found = list(self.by_document.get(document_id, ()))
        if household_id is not None:
            found += self.by_household.get(household_id, ())
        if village_id is not None:
            found += self.by_village.get(village_id, ())
        return found


def holds_in_force(session: Session) -> Holds:
    holds = Holds()
    for hold in session.scalars(
        select(RetentionHold).where(RetentionHold.released_at.is_(None)).order_by(RetentionHold.id)
    ):
        if hold.document_id is not None:
            holds.by_document[hold.document_id].append(hold)
        elif hold.household_id is not None:
            holds.by_household[hold.household_id].append(hold)
        elif hold.village_id is not None:
            holds.by_village[hold.village_id].append(hold)
    return holds


def extensions(session: Session, document_ids: list[int] | None = None) -> dict[int, int]:
    """Years added to each item's period by appraisal (延长保管)."""
    query = select(RetentionExtension.document_id, RetentionExtension.years)
    if document_ids is not None:
        query = query.where(RetentionExtension.document_id.in_(document_ids))
    out: dict[int, int] = defaultdict(int)
    for document_id, years in session.execute(query):
        out[document_id] += years
    return out


def hold_json(hold: RetentionHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "reason": hold.reason,
        "by": hold.set_by,
        "at": hold.set_at.replace(tzinfo=dt.UTC).isoformat(),
    }


@dataclass(frozen=True)
class ItemStatus:
    id: int
    archival_code: str | None
    retention: str
    year: int | None
    due: dt.date | None
    holds: tuple[RetentionHold, ...]
    destroyable: bool
    village_id: int | None

    def as_json(self) -> dict[str, Any]:
        """DESIGN.md's retention status row."""
        return {
            "id": self.id,
            "archival_code": self.archival_code,
            "retention": self.retention,
            "year": self.year,
            "due": self.due.isoformat() if self.due else None,
            "holds": [hold_json(h) for h in self.holds],
            "destroyable": self.destroyable,
        }


def item_statuses(
    session: Session,
    scheme: Scheme,
    *,
    today: dt.date,
    village: str | None = None,
    village_ids: list[int] | None = None,
    due_only: bool = False,
    document_ids: list[int] | None = None,
) -> list[ItemStatus]:
    """The retention status of filed items, by id. `due_only` keeps those whose period
    has ended by `today` (held ones included: they fall due but are not destroyable);
    `village_ids` limits to an account's villages (None: all)."""
    query = select(
        Document.id,
        Document.archival_code,
        Document.retention,
        Document.doc_type,
        Document.year,
        Document.household_id,
        Document.village_id,
    ).where(Document.status == "filed")
    if village:
        query = query.where(Document.village_id == resolve_village(session, village).id)
    if village_ids is not None:
        query = query.where(Document.village_id.in_(village_ids))
    if document_ids is not None:
        query = query.where(Document.id.in_(document_ids))
    if due_only:
        # the shortest term there is bounds the years that can have fallen due
        shortest = min((period_years(c) or 10**6 for c in scheme.retention_names), default=10**6)
        query = query.where(Document.retention != PERMANENT).where(
            Document.year <= today.year - 1 - shortest
        )
    holds = holds_in_force(session)
    added = extensions(session, document_ids)
    rows: list[ItemStatus] = []
    for doc_id, code, retention, doc_type, year, household_id, village_id in session.execute(
        query.order_by(Document.id)
    ):
        type_retention = scheme.types[doc_type].retention if doc_type in scheme.types else None
        kept = longest(retention, type_retention)
        due = due_date(year, kept, added.get(doc_id, 0))
        if due_only and (due is None or due > today):
            continue
        covering = tuple(holds.covering(doc_id, household_id, village_id))
        rows.append(
            ItemStatus(
                id=doc_id,
                archival_code=code,
                retention=kept,
                year=year,
                due=due,
                holds=covering,
                destroyable=destroyable(
                    year, kept, held=bool(covering), today=today, extra_years=added.get(doc_id, 0)
                ),
                village_id=village_id,
            )
        )
    return rows
