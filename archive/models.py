"""The archive's tables, as SQLAlchemy 2 typed mappings.

Schema changes go through Alembic (archive/migrations); never edit a table by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DOCUMENT_STATUSES = ("queued", "processing", "needs_review", "filed", "failed", "destroyed")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Township(Base):
    """A fonds (全宗): one township's archive."""

    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    fonds: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    villages: Mapped[list[Village]] = relationship(back_populates="township")


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("township_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), index=True)
    township: Mapped[Township] = relationship(back_populates="villages")
    households: Mapped[list[Household]] = relationship(back_populates="village")


class Household(Base):
    """A registered poor household (建档立卡户): one file per household (一户一档)."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("village_id", "household_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_no: Mapped[str] = mapped_column(String(20))
    head_name: Mapped[str] = mapped_column(String(50), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    members: Mapped[int | None]
    identification_year: Mapped[int | None]
    exit_year: Mapped[int | None]
    poverty_cause: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    annual_income: Mapped[float | None] = mapped_column(Float)
    village: Mapped[Village] = relationship(back_populates="households")
    pairings: Mapped[list[Pairing]] = relationship(
        back_populates="household", order_by="Pairing.start_date"
    )


class Helper(Base):
    """A helper cadre (帮扶责任人), identified by ID number where the roster gives one."""

    __tablename__ = "helpers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    pairings: Mapped[list[Pairing]] = relationship(back_populates="helper")


class Pairing(Base):
    """A helper paired with a household (结对帮扶) over a period."""

    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("household_id", "helper_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("helpers.id"))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    household: Mapped[Household] = relationship(back_populates="pairings")
    helper: Mapped[Helper] = relationship(back_populates="pairings")


class StoredFile(Base):
    """A blob in the content-addressed store: an original upload, a derived copy (a
    signature field's crop) or an original's rendition (`archive.renditions`)."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    media_type: Mapped[str | None] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(500))
    # original | derived | rendition | container | disposal_list
    role: Mapped[str] = mapped_column(String(20), default="original")
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    # Set by the fixity scrub when the blob is missing or no longer hashes to its name;
    # cleared when a later check finds it sound again.
    fixity_error: Mapped[str | None] = mapped_column(String(200))
    # Set when the blob was removed by a witnessed disposal (retention/disposal.py).
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Document(Base):
    """An item (件), the unit of filing. Several items may come from one scanned file."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), index=True)
    source_pages: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    doc_type: Mapped[str | None] = mapped_column(String(10), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    title_made_up: Mapped[bool] = mapped_column(Boolean, default=False)
    doc_number: Mapped[str | None] = mapped_column(String(100))
    responsible: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    year: Mapped[int | None]
    secret_level: Mapped[str | None] = mapped_column(String(20))
    remarks: Mapped[str | None] = mapped_column(String(500))
    retention: Mapped[str | None] = mapped_column(String(10))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    archival_code: Mapped[str | None] = mapped_column(String(100), unique=True)
    code_group: Mapped[str | None] = mapped_column(String(100))
    item_no: Mapped[int | None]
    pages: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[float | None] = mapped_column(Float)
    review_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Indexed: the search index catches up on items changed since its watermark.
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, index=True
    )
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    file: Mapped[StoredFile] = relationship()
    village: Mapped[Village | None] = relationship()
    household: Mapped[Household | None] = relationship()
    page_rows: Mapped[list[Page]] = relationship(back_populates="document", order_by="Page.page_no")


class Page(Base):
    """Derived text of one page of an item, with the OCR engine's mean word confidence.

    `engine` names what read the page ("tesseract:chi_sim"; "text" or "docx" when it was
    typed), joined by "+" to a second engine that read some of its lines again
    ("tesseract:chi_sim+rapidocr:PP-OCRv6-rec"). `reread` lists those lines, each as
    {"text", "engine", "confidence", "box": [left, top, right, bottom] on the image read};
    every other line was read by the first engine.
    """

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "page_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    page_no: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    engine: Mapped[str | None] = mapped_column(String(50))
    reread: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    document: Mapped[Document] = relationship(back_populates="page_rows")


class Job(Base):
    """One pipeline step of one item, leased by a worker; an expired lease is retried."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    step: Mapped[str] = mapped_column(String(50))
    queue: Mapped[str] = mapped_column(String(50), default="default", index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class JournalEvent(Base):
    """An append-only event; `hash` covers the event and the previous event's hash."""

    __tablename__ = "journal"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50), index=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Named counters bumped under a row lock: item numbers per 档号 group, journal head."""

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # admin | archivist | inspector | auditor
    villages: Mapped[list[Any]] = mapped_column(JSON, default=list)  # village codes; [] = all
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Backup(Base):
    """One run of `dangan backup create` (by hand or by the server's daily schedule), so
    that the dashboard and the four-property check can tell when the last good one was."""

    __tablename__ = "backups"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(1000))
    snapshot: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)  # ok | failed
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    objects: Mapped[int] = mapped_column(Integer, default=0)
    objects_copied: Mapped[int] = mapped_column(Integer, default=0)
    bytes_copied: Mapped[int] = mapped_column(BigInteger, default=0)
    journal_seq: Mapped[int | None]
    journal_hash: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)


class RetentionHold(Base):
    """A hold (inspection, dispute, transfer pending) on one item, a household or a
    village: while it is not released nothing it covers can be disposed of."""

    __tablename__ = "retention_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    release_reason: Mapped[str | None] = mapped_column(String(500))
    document: Mapped[Document | None] = relationship()
    household: Mapped[Household | None] = relationship()
    village: Mapped[Village | None] = relationship()


class RetentionExtension(Base):
    """An item kept longer than its type's period (延长保管), by appraisal."""

    __tablename__ = "retention_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    years: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    extended_by: Mapped[str] = mapped_column(String(100))
    extended_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DisposalList(Base):
    """A 销毁清册: proposed by the appraisal group, approved (or rejected) by the unit
    head, carried out before two witnesses (监销人). Kept for ever."""

    __tablename__ = "disposal_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    destroyed_by: Mapped[str | None] = mapped_column(String(100))
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    witnesses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The list as printed at its last step: {"xlsx"|"docx"|"pdf": sha256 in the store}
    reports: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    township: Mapped[Township] = relationship()
    village: Mapped[Village | None] = relationship()
    items: Mapped[list[DisposalItem]] = relationship(
        back_populates="disposal_list", order_by="DisposalItem.position"
    )


class DisposalItem(Base):
    """One row of a 销毁清册, with what the row printed, kept after the content goes."""

    __tablename__ = "disposal_items"
    __table_args__ = (UniqueConstraint("list_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("disposal_lists.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="proposed")  # |extended|destroyed
    title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int]
    archival_code: Mapped[str] = mapped_column(String(100))
    retention: Mapped[str] = mapped_column(String(10))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    remarks: Mapped[str | None] = mapped_column(String(500))
    disposal_list: Mapped[DisposalList] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()


class FixityRun(Base):
    """One pass of the fixity scrub: what it checked and what it found."""

    __tablename__ = "fixity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    checked: Mapped[int] = mapped_column(Integer, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    journal_ok: Mapped[bool | None] = mapped_column(Boolean)
    failures: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CheckResult(Base):
    """One four-property check (四性, DA/T 70-2018) of one item at one stage, with its
    date: `outcome` is passed, failed or unchecked (no engine or no data to check with).
    A check of a package rather than an item has no `document_id`."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)  # filing|transfer|preservation
    code: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Transfer(Base):
    """A transfer package (移交) written for the county archive; the items stay here."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    year: Mapped[int | None]
    path: Mapped[str] = mapped_column(String(1000))
    items: Mapped[int]
    byte_count: Mapped[int]
    payload_oxum: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class TransferItem(Base):
    """An item sent in a transfer: the catalog marks it 已移交."""

    __tablename__ = "transfer_items"
    __table_args__ = (UniqueConstraint("transfer_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
