"""Personal data in what the web shows: ID numbers masked unless the role allows,
and every read of personal data journaled ("document.read", "household.read",
"audit.read")."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from dangan.archive import journal
from dangan.archive.context import Archive
from dangan.archive.facts import id_numbers
from dangan.archive.idnumber import mask
from dangan.archive.models import Document, Household
from dangan.archive.users import Account
from dangan.web.permissions import can


def _id_pattern(gap: str) -> re.Pattern[str]:
    """18 characters (17 digits and a digit or X) or 15 digits, with `gap` allowed
    between characters (OCR puts single spaces there; highlighting puts <mark>)."""
    digit = rf"\d{gap}"
    return re.compile(
        rf"(?<![0-9A-Za-z])(?:(?:{digit}){{17}}[\dXx]|(?:{digit}){{14}}\d)(?![0-9A-Za-z])"
    )


_ID_LIKE = _id_pattern(r"[ \t]?")
_ID_LIKE_HTML = _id_pattern(r"(?:</?mark>)?[ \t]?(?:</?mark>)?")


def full_ids(user: Account | None) -> bool:
    return can(user, "full_id")


def mask_text(text: str | None, user: Account | None) -> str:
    """Text with every ID-number-like run masked (110***********1234) for roles that
    may not see them."""
    if not text:
        return text or ""
    if full_ids(user):
        return text
    return _ID_LIKE.sub(lambda m: mask(re.sub(r"[ \t]", "", m.group())), text)


def mask_id(number: str | None, user: Account | None) -> str | None:
    if not number or full_ids(user):
        return number
    return mask(number)


def mask_household(data: dict[str, Any], user: Account | None) -> dict[str, Any]:
    """household_json with its own and its helpers' ID numbers masked as the role needs."""
    if full_ids(user):
        return data
    return {
        **data,
        "id_number": mask_id(data.get("id_number"), user),
        "helpers": [
            {**h, "id_number": mask_id(h.get("id_number"), user)} for h in data.get("helpers", [])
        ],
    }


def has_personal_data(doc: Document) -> bool:
    """A household's item, or any item whose text holds an ID number."""
    if doc.household_id is not None:
        return True
    return any(id_numbers(page.text) for page in doc.page_rows)


def _journal(
    arc: Archive, user: Account, action: str, entity_type: str, entity_id: object, after: Any
) -> None:
    """One read of personal data by `user`, as its own journal event."""
    with arc.db.write() as session:
        journal.record(
            session,
            actor=user.username,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            after=after,
        )


class ReadJournal:
    """Journals reads of personal data. Repeated reads of one thing by one user the
    same way (e.g. an item's page images) within `quiet_seconds` are one event."""

    def __init__(self, quiet_seconds: float = 600.0) -> None:
        self.quiet_seconds = quiet_seconds
        self._last: dict[tuple[str, str, str, str], float] = {}
        self._lock = threading.Lock()

    def _quiet(self, key: tuple[str, str, str, str]) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -1e9) < self.quiet_seconds:
                return True
            if len(self._last) > 50_000:
                self._last.clear()
            self._last[key] = now
            return False

    def record(
        self, arc: Archive, user: Account, doc: Document, via: str, *, dedupe: bool = False
    ) -> bool:
        """Journal `user` reading item `doc` (action "document.read") if it holds
        personal data; returns whether an event was written."""
        if not has_personal_data(doc):
            return False
        if dedupe and self._quiet((user.username, "document", str(doc.id), via)):
            return False
        _journal(
            arc,
            user,
            "document.read",
            "document",
            doc.id,
            {"via": via, "archival_code": doc.archival_code},
        )
        return True

    def record_catalog(
        self, arc: Archive, user: Account, what: str, scope: str, items: int
    ) -> None:
        """Journal `user` downloading a catalog or box labels (action "catalog.read"):
        they name every household head in their scope."""
        _journal(arc, user, "catalog.read", "catalog", scope, {"what": what, "items": items})

    def record_household(self, arc: Archive, user: Account, household: Household) -> bool:
        """Journal a view of a household's file (its roster data: name, ID number)."""
        key = (
            user.username,
            "household",
            f"{household.village.code}/{household.household_no}",
            "page",
        )
        if self._quiet(key):
            return False
        _journal(
            arc,
            user,
            "household.read",
            "household",
            household.id,
            {
                "village_code": household.village.code,
                "household_no": household.household_no,
                "full_id": full_ids(user),
            },
        )
        return True

    def record_audit(
        self,
        arc: Archive,
        user: Account,
        report: dict[str, Any],
        rules: list[str],
        via: str,
        *,
        dedupe: bool,
    ) -> bool:
        """Journal an audit run by `user` (action "audit.read"): its findings quote the
        roster (names, ID numbers) of every household in its scope. `rules` are the
        codes asked for ([] for all)."""
        scope = report["scope"]
        where = "/".join(p for p in (scope["village_code"], scope["household_no"]) if p) or "全部"
        key = (user.username, "audit", f"{where}?{','.join(rules)}", via)
        if dedupe and self._quiet(key):
            return False
        _journal(
            arc,
            user,
            "audit.read",
            "audit",
            where,
            {
                "via": via,
                "village_code": scope["village_code"],
                "household_no": scope["household_no"],
                "villages": [v["code"] for v in report["villages"]],
                "rules": rules or "全部",
                "findings": len(report["findings"]),
                "full_id": full_ids(user),
            },
        )
        return True


def mask_html(fragment: str | None, user: Account | None) -> str:
    """`mask_text` for an HTML-escaped snippet with <mark> highlights."""
    if not fragment:
        return ""
    if full_ids(user):
        return fragment
    return _ID_LIKE_HTML.sub(lambda m: mask(re.sub(r"</?mark>|[ \t]", "", m.group())), fragment)
