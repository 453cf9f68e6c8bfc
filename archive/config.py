"""Where an archive lives and how it is reached, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    broker_url: str | None

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def scheme_override(self) -> Path:
        """A deployment's own filing scheme, used instead of the packaged default."""
        return self.home / "scheme.toml"


def load_settings(home: str | Path | None = None) -> Settings:
    """Settings from DANGAN_HOME / DANGAN_DATABASE_URL / DANGAN_BROKER_URL.

    An explicit `home` wins over the environment (the CLI's --home).
    """
    base = Path(home or os.environ.get("DANGAN_HOME") or "./dangan-data").resolve()
    url = os.environ.get("DANGAN_DATABASE_URL") or f"sqlite:///{base / 'dangan.db'}"
    return Settings(home=base, database_url=url, broker_url=os.environ.get("DANGAN_BROKER_URL"))
