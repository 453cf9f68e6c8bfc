"""The 归档文件目录 (DA/T 22-2015): every coded item of the fonds, in the order the
archivist files them, grouped by village and by household file (一户一档), and the boxes
(档案盒) they are kept in. The printed forms are made from this in catalog_print.py.

Order: village by code; in a village its village-level items (CJ) first, then its
household files by 户编号. Within the lowest class, the 档号 group (year, retention,
village·household), rows go by date with the document type as the subject (the
scheme's order), and late items go last: an item filed after 30 June of the year after
its own (DA/T 22's filing deadline) follows the rest of its group, in filing order.

Items that left keep their row: destroyed ones with 备注 "已销毁", transferred ones
(sent to the county archive, kept here too) with "已移交".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.errors import InputError
from dangan.archive.models import (
    Document,
    Household,
    Township,
    TransferItem,
    Village,
    utcnow,
)
from dangan.archive.queries import resolve_household, resolve_village
from dangan.archive.scheme import BoxSize, Scheme

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
CATALOGUED = ("filed", "destroyed")
DESTROYED, TRANSFERRED = "已销毁", "已移交"


@dataclass(frozen=True)
class Row:
    """One line of the catalog; `number` is the 序号 within its section."""

    number: int
    document_id: int
    archival_code: str
    doc_number: str
    responsible: str
    title: str
    date: str
    secret_level: str
    pages: int
    remarks: str
    year: int
    retention: str
    item_no: int
    group: str
    destroyed: bool
    transferred: bool

    @property
    def cells(self) -> tuple[int | str, ...]:
        """The nine columns of COLUMNS."""
        return (
            self.number,
            self.archival_code,
            self.doc_number,
            self.responsible,
            self.title,
            self.date,
            self.secret_level,
            self.pages,
            self.remarks,
        )


@dataclass(frozen=True)
class HouseholdFile:
    """One household's file (一户一档): its cover and its 卷内目录."""

    village_code: str
    village_name: str
    household_no: str
    head_name: str
    rows: tuple[Row, ...]

    @property
    def first_year(self) -> int:
        return min(r.year for r in self.rows)

    @property
    def last_year(self) -> int:
        return max(r.year for r in self.rows)

    @property
    def years(self) -> str:
        first, last = self.first_year, self.last_year
        return str(first) if first == last else f"{first}—{last}"

    @property
    def title(self) -> str:
        return f"{self.village_code}·{self.household_no} {self.head_name}"


@dataclass(frozen=True)
class VillageSection:
    code: str
    name: str
    rows: tuple[Row, ...]
    """The village-level items (村级文件)."""
    households: tuple[HouseholdFile, ...]

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def count(self) -> int:
        return len(self.rows) + sum(len(h.rows) for h in self.households)


@dataclass(frozen=True)
class Catalog:
    fonds: str
    township: str
    scope: str
    generated_at: dt.datetime
    """UTC, naive, as the database keeps times."""
    journal_seq: int
    journal_hash: str
    villages: tuple[VillageSection, ...]
    retention_names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.township}归档文件目录"

    def rows(self) -> Iterator[tuple[VillageSection, HouseholdFile | None, Row]]:
        for village in self.villages:
            for row in village.rows:
                yield village, None, row
            for household in village.households:
                for row in household.rows:
                    yield village, household, row

    @property
    def count(self) -> int:
        return sum(v.count for v in self.villages)


@dataclass(frozen=True)
class Box:
    """A box of one 档号 group: its cover, spine and 备考表."""

    number: int
    """盒号, counted from 1 within a village's year and retention period."""
    fonds: str
    township: str
    village_code: str
    village_name: str
    household: str
    """ "017 王建国", or 村级 for the village's own items."""
    year: int
    retention: str
    retention_name: str
    rows: tuple[Row, ...]

    @property
    def items(self) -> str:
        """起止件号: "0001—0012"."""
        first, last = self.rows[0].item_no, self.rows[-1].item_no
        return f"{first:04d}" if first == last else f"{first:04d}—{last:04d}"

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.rows)

    def noted(self, remark: str) -> list[str]:
        """The 档号 of its items whose 备注 is `remark`."""
        return [r.archival_code for r in self.rows if remark in r.remarks]


@dataclass(frozen=True)
class Scope:
    village: Village | None = None
    household: Household | None = None
    year: int | None = None
    retention: str | None = None

    @property
    def text(self) -> str:
        parts = []
        if self.village is not None:
            parts.append(f"{self.village.code} {self.village.name}")
        if self.household is not None:
            parts.append(f"户 {self.household.household_no} {self.household.head_name}")
        if self.year is not None:
            parts.append(f"{self.year} 年度")
        if self.retention is not None:
            parts.append(f"保管期限 {self.retention}")
        return ",".join(parts) or "全部"


def resolve_scope(
    session: Session,
    scheme: Scheme,
    *,
    village: str | None = None,
    household: str | None = None,
    year: int | None = None,
    retention: str | None = None,
) -> Scope:
    """The catalog's filters from what a person typed: a village by code or name, a
    household number (within the village when one is given), a retention code."""
    village_row = resolve_village(session, village) if village else None
    household_row = resolve_household(session, village_row, household) if household else None
    if retention is not None:
        retention = retention.strip().upper()
        if retention not in scheme.retention_names:
            known = "、".join(f"{c} {n}" for c, n in scheme.retention_names.items())
            raise InputError(f"没有保管期限 {retention}; 可用: {known}")
    if year is not None and not 1900 <= year <= 2200:
        raise InputError(f"年度 {year} 不在 1900—2200 之间")
    return Scope(village_row, household_row, year, retention)


def _title(title: str | None, made_up: bool, type_name: str) -> str:
    """The item's title; one the filer made up is written in [ ] (DA/T 22 §6.2)."""
    if not title:
        return f"[{type_name}]"
    return f"[{title}]" if made_up and not title.startswith("[") else title


def _late(year: int, filed_at: dt.datetime | None) -> bool:
    return filed_at is not None and filed_at.date() > dt.date(year + 1, 6, 30)


def build_catalog(
    session: Session,
    scheme: Scheme,
    scope: Scope | None = None,
    *,
    statuses: tuple[str, ...] = CATALOGUED,
) -> Catalog:
    """The catalog of every coded item in `scope` whose status is one of `statuses`
    (by default filed and destroyed: a transfer package lists only what it carries)."""
    scope = scope or Scope()
    query = (
        select(
            Document.id,
            Document.archival_code,
            Document.doc_number,
            Document.responsible,
            Document.title,
            Document.title_made_up,
            Document.doc_type,
            Document.date,
            Document.year,
            Document.secret_level,
            Document.pages,
            Document.remarks,
            Document.retention,
            Document.code_group,
            Document.item_no,
            Document.status,
            Document.filed_at,
            Village.code,
            Village.name,
            Household.household_no,
            Household.head_name,
        )
        .join(Village, Document.village_id == Village.id)
        .outerjoin(Household, Document.household_id == Household.id)
        .where(Document.archival_code.is_not(None), Document.status.in_(statuses))
    )
    if scope.village is not None:
        query = query.where(Document.village_id == scope.village.id)
    if scope.household is not None:
        query = query.where(Document.household_id == scope.household.id)
    if scope.year is not None:
        query = query.where(Document.year == scope.year)
    if scope.retention is not None:
        query = query.where(Document.retention == scope.retention)
    transferred = set(session.scalars(select(TransferItem.document_id).distinct()))
    type_order = {code: n for n, code in enumerate(scheme.types)}
    retention_order = {code: n for n, code in enumerate(scheme.retention_names)}

    records = session.execute(query).all()

    def order(r: tuple) -> tuple:
        late = _late(r.year, r.filed_at)
        return (
            r[17],  # village code
            r.household_no or "",  # "" first: the village's own items
            r.year,
            retention_order.get(r.retention, 99),
            late,
            r.filed_at if late else dt.datetime.min,
            r.date or dt.date(r.year, 12, 31),
            type_order.get(r.doc_type, 999),
            r.item_no or 0,
        )

    records.sort(key=order)
    villages: list[VillageSection] = []
    by_village: dict[str, tuple[list[Row], dict[str, list[Row]], str, dict[str, str]]] = {}
    for r in records:
        code, name = r[17], r[18]
        rows, households, _, heads = by_village.setdefault(code, ([], {}, name, {}))
        target = households.setdefault(r.household_no, []) if r.household_no else rows
        if r.household_no:
            heads[r.household_no] = r.head_name
        remarks = [r.remarks] if r.remarks else []
        if r.status == "destroyed":
            remarks.append(DESTROYED)
        if r.id in transferred:
            remarks.append(TRANSFERRED)
        type_name = scheme.types[r.doc_type].name if r.doc_type in scheme.types else "文件"
        target.append(
            Row(
                number=len(target) + 1,
                document_id=r.id,
                archival_code=r.archival_code,
                doc_number=r.doc_number or "",
                responsible=r.responsible or "",
                title=_title(r.title, r.title_made_up, type_name),
                date=r.date.strftime("%Y%m%d") if r.date else "",
                secret_level=r.secret_level or "",
                pages=r.pages or 0,
                remarks=";".join(remarks),
                year=r.year,
                retention=r.retention or "",
                item_no=r.item_no or 0,
                group=r.code_group or "",
                destroyed=r.status == "destroyed",
                transferred=r.id in transferred,
            )
        )
    for code, (rows, households, name, heads) in by_village.items():
        villages.append(
            VillageSection(
                code,
                name,
                tuple(rows),
                tuple(
                    HouseholdFile(code, name, no, heads[no], tuple(hrows))
                    for no, hrows in households.items()
                ),
            )
        )
    township = scope.village.township if scope.village is not None else None
    if township is None:
        township = session.scalar(select(Township).order_by(Township.id).limit(1))
    seq, digest = journal.head(session)
    return Catalog(
        fonds=township.fonds if township else "",
        township=township.name if township else "",
        scope=scope.text,
        generated_at=utcnow(),
        journal_seq=seq,
        journal_hash=digest,
        villages=tuple(villages),
        retention_names=dict(scheme.retention_names),
    )


def boxes(catalog: Catalog, size: BoxSize) -> list[Box]:
    """The catalog's items packed into boxes: one 档号 group per box, as many boxes as
    its pages need (a box holds `size.sheets` pages; an item is never split, and an item
    thicker than a box gets one to itself). Numbered within village, year and retention
    period, so a box keeps its number whichever households the catalog was made for."""
    retention_order = {code: n for n, code in enumerate(catalog.retention_names)}
    made: list[Box] = []
    counters: dict[tuple[str, int, str], int] = {}
    for village in catalog.villages:
        files: list[tuple[str, tuple[Row, ...]]] = [("村级", village.rows)]
        files += [(f"{h.household_no} {h.head_name}", h.rows) for h in village.households]
        groups: dict[tuple[int, str], list[tuple[str, list[Row]]]] = {}
        for label, rows in files:
            by_group: dict[str, list[Row]] = {}
            for row in rows:
                by_group.setdefault(row.group, []).append(row)
            for group_rows in by_group.values():
                first = group_rows[0]
                key = (first.year, first.retention)
                groups.setdefault(key, []).append(
                    (label, sorted(group_rows, key=lambda r: r.item_no))
                )
        for (year, retention), packs in sorted(
            groups.items(), key=lambda kv: (kv[0][0], retention_order.get(kv[0][1], 99))
        ):
            for label, group_rows in packs:
                for chunk in _pack(group_rows, size.sheets):
                    key = (village.code, year, retention)
                    counters[key] = counters.get(key, 0) + 1
                    made.append(
                        Box(
                            number=counters[key],
                            fonds=catalog.fonds,
                            township=catalog.township,
                            village_code=village.code,
                            village_name=village.name,
                            household=label,
                            year=year,
                            retention=retention,
                            retention_name=catalog.retention_names.get(retention, retention),
                            rows=tuple(chunk),
                        )
                    )
    return made


def _pack(rows: list[Row], sheets: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    used = 0
    for row in rows:
        if chunk and used + row.pages > sheets:
            yield chunk
            chunk, used = [], 0
        chunk.append(row)
        used += row.pages
    if chunk:
        yield chunk
