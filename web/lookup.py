"""Loading items, villages and households for an account: not found, or forbidden
when they lie outside its villages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dangan.archive.errors import NotFound
from dangan.archive.models import Document, Household, Pairing, Village
from dangan.archive.queries import document_query, get_document, resolve_household, resolve_village
from dangan.archive.users import Account
from dangan.web.auth import Forbidden
from dangan.web.permissions import document_visible, scope_documents, village_allowed

MAX_ID = 2**31 - 1  # an INTEGER column: a larger id names no row (PostgreSQL would refuse it)


def visible_document(session: Session, user: Account, document_id: int) -> Document:
    if not 1 <= document_id <= MAX_ID:
        raise NotFound(f"没有编号为 {document_id} 的文件")
    doc = get_document(session, document_id)
    if not document_visible(user, doc):
        raise Forbidden(f"文件 {document_id} 不在您负责的村范围内")
    return doc


def visible_documents(
    session: Session,
    user: Account,
    *,
    village: str | None = None,
    household: str | None = None,
    doc_type: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> Sequence[Document]:
    if village:
        allowed_village(session, user, village)
    query = scope_documents(
        document_query(
            session, village=village, household=household, doc_type=doc_type, status=status
        ),
        session,
        user,
    )
    docs = [d for d in session.scalars(query) if document_visible(user, d)]
    return docs[:limit] if limit is not None else docs


def allowed_village(session: Session, user: Account, text: str) -> Village:
    village = resolve_village(session, text)
    if not village_allowed(user, village.code):
        raise Forbidden(f"行政村 {village.name} 不在您负责的村范围内")
    return village


def allowed_household(
    session: Session, user: Account, village: Village | None, number: str
) -> Household:
    household = resolve_household(session, village, number)
    if not village_allowed(user, household.village.code):
        raise Forbidden(f"贫困户 {number} 不在您负责的村范围内")
    return household


def targets(
    session: Session, user: Account, village: str | None, household: str | None
) -> tuple[Village | None, Household | None]:
    """Where a reviewer files an item, checked against the account's villages."""
    village_row = allowed_village(session, user, village) if village else None
    household_row = allowed_household(session, user, village_row, household) if household else None
    return village_row, household_row


def households_query(user: Account):  # type: ignore[no-untyped-def]
    query = (
        select(Household)
        .join(Village)
        .options(
            selectinload(Household.village),
            selectinload(Household.pairings).selectinload(Pairing.helper),
        )
        .order_by(Village.code, Household.household_no)
    )
    if user.villages:
        query = query.where(Village.code.in_(user.villages))
    return query
