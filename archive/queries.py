"""Lookups shared by the command line and the web API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from dangan.archive.errors import InputError, NotFound
from dangan.archive.models import Document, Household, Village


def resolve_village(session: Session, text: str) -> Village:
    """A village by its code ("003") or its name ("白沙村")."""
    villages = list(
        session.scalars(select(Village).where(or_(Village.code == text, Village.name == text)))
    )
    if not villages:
        raise NotFound(f"没有行政村 {text}")
    if len(villages) > 1:
        names = "、".join(f"{v.code} {v.name}" for v in villages)
        raise InputError(f"{text} 对应多个行政村({names}), 请用村代码")
    return villages[0]


def resolve_household(session: Session, village: Village | None, number: str) -> Household:
    query = select(Household).where(Household.household_no == number)
    if village is not None:
        query = query.where(Household.village_id == village.id)
    households = list(session.scalars(query))
    if not households:
        where = f"{village.name} " if village else ""
        raise NotFound(f"没有贫困户 {where}{number}")
    if len(households) > 1:
        raise InputError(f"户编号 {number} 在多个村都有, 请同时用 --village 指定村")
    return households[0]


def document_query(
    session: Session,
    *,
    village: str | None = None,
    household: str | None = None,
    doc_type: str | None = None,
    status: str | None = None,
) -> Select[tuple[Document]]:
    query = select(Document).options(
        selectinload(Document.file),
        selectinload(Document.village),
        selectinload(Document.household),
    )
    village_row = resolve_village(session, village) if village else None
    if village_row is not None:
        query = query.where(Document.village_id == village_row.id)
    if household:
        query = query.where(
            Document.household_id == resolve_household(session, village_row, household).id
        )
    if doc_type:
        query = query.where(Document.doc_type == doc_type.upper())
    if status:
        query = query.where(Document.status == status)
    return query.order_by(Document.id)


def find_documents(
    session: Session, *, limit: int | None = None, **filters: str | None
) -> Sequence[Document]:
    query = document_query(session, **filters)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def get_document(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id, options=[selectinload(Document.page_rows)])
    if doc is None:
        raise NotFound(f"没有编号为 {document_id} 的文件")
    return doc
