"""One opened archive: its settings, database, file store and filing scheme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from dangan.archive import journal
from dangan.archive.config import Settings, load_settings
from dangan.archive.db import Database
from dangan.archive.errors import InputError, NotInitialised
from dangan.archive.models import Township
from dangan.archive.scheme import Scheme, load_scheme
from dangan.archive.store import ContentStore

_FONDS_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass
class Archive:
    settings: Settings
    db: Database
    store: ContentStore

    @property
    def scheme(self) -> Scheme:
        return load_scheme(self.settings.home)

    def township(self, session: Session, fonds: str | None = None) -> Township:
        """The fonds to work in: the named one, or the only one there is."""
        query = select(Township).order_by(Township.id)
        if fonds:
            query = query.where(Township.fonds == fonds)
        townships = list(session.scalars(query))
        if not townships:
            raise InputError(f"没有全宗 {fonds}" if fonds else "档案库中还没有全宗(乡镇)")
        if len(townships) > 1:
            raise InputError("档案库中有多个全宗, 请用 --fonds 指定")
        return townships[0]

    def close(self) -> None:
        self.db.dispose()


def open_archive(home: str | Path | None = None, *, check_schema: bool = True) -> Archive:
    settings = load_settings(home)
    url = make_url(settings.database_url)
    sqlite_missing = url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()
    if not settings.home.exists() or sqlite_missing:
        raise NotInitialised(settings.home)
    db = Database(settings.database_url)
    if check_schema:
        db.require_current()
    return Archive(settings, db, ContentStore(settings.store_dir))


def init_archive(
    home: str | Path | None = None,
    *,
    fonds: str = "Z105",
    township: str = "示例乡镇",
    actor: str = "system",
) -> tuple[Archive, bool]:
    """Create (or upgrade) an archive; returns it and whether the fonds was new."""
    if not fonds or set(fonds) - _FONDS_CHARS:
        raise InputError(f"全宗号只能由大写字母和数字组成: {fonds!r}")
    settings = load_settings(home)
    for folder in (settings.home, settings.store_dir, settings.index_dir, settings.exports_dir):
        folder.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    db.upgrade()
    created = False
    with db.write() as session:
        if session.scalar(select(Township).where(Township.fonds == fonds)) is None:
            row = Township(fonds=fonds, name=township)
            session.add(row)
            session.flush()
            journal.record(
                session,
                actor=actor,
                action="township.create",
                entity_type="township",
                entity_id=row.id,
                after={"fonds": fonds, "name": township},
            )
            created = True
    return Archive(settings, db, ContentStore(settings.store_dir)), created
