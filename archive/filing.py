"""Filing an item: its retention, year and archival code, journaled."""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive import journal
from archive.codes import CodeParts, next_code
from archive.errors import InputError
from archive.models import Document, Household, Village, utcnow
from archive.scheme import Scheme


def code_parts(doc: Document, scheme: Scheme, fonds: str) -> CodeParts:
    """What the item's 档号 is made of; explains in Chinese what is still missing."""
    if doc.doc_type is None:
        raise InputError(f"文件 {doc.id} 尚未确定文件类型, 不能归档")
    doc_type = scheme.type(doc.doc_type)
    if doc.year is None:
        raise InputError(f"文件 {doc.id} 没有年度, 不能归档")
    village: Village | None = doc.village
    if village is None:
        raise InputError(f"文件 {doc.id} 没有所属行政村, 不能归档")
    household: Household | None = doc.household
    if doc_type.level == "household" and household is None:
        raise InputError(f"文件 {doc.id} 是户级文件({doc_type.name}), 必须指定贫困户")
    return CodeParts(
        fonds=fonds,
        year=doc.year,
        retention=doc.retention or doc_type.retention,
        village=village.code,
        household=household.household_no if household else scheme.village_level_household,
    )


def file_document(session: Session, doc: Document, scheme: Scheme, *, actor: str) -> str:
    """Give `doc` its retention and next archival code and mark it filed.

    Must run inside the caller's write transaction, which commits number and item
    together. An item that already has a code keeps it: re-filing is its own action.
    """
    if doc.archival_code:
        raise InputError(f"文件 {doc.id} 已归档为 {doc.archival_code}; 更正请使用改档")
    assert doc.village is not None  # checked by code_parts
    parts = code_parts(doc, scheme, doc.village.township.fonds)
    before = {"status": doc.status, "archival_code": None}
    code, group, item = next_code(session, scheme.code_template, parts)
    doc.retention = parts.retention
    doc.archival_code, doc.code_group, doc.item_no = code, group, item
    doc.status = "filed"
    doc.filed_at = utcnow()
    session.flush()
    journal.record(
        session,
        actor=actor,
        action="document.file",
        entity_type="document",
        entity_id=doc.id,
        before=before,
        after={"status": "filed", "archival_code": code, "retention": parts.retention},
    )
    return code
