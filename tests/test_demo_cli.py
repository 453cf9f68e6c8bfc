"""`dangan demo` loading: every folder of the township is received, even the one whose
household the roster refused."""

from __future__ import annotations

from sqlalchemy import func, select

from dangan.archive.models import Document, Household
from dangan.cli.demo import load_demo
from dangan.demo.build import build_township


def test_load_demo_receives_every_file_with_folder_hints(arc, tmp_path):
    truth = build_township(
        tmp_path / "corpus", seed=5, villages=1, households_per_village=4, workers=2
    )
    counts = load_demo(arc, tmp_path / "corpus", show=False)
    assert counts == {"queued": len(truth.files), "duplicate": 0, "failed": 0}
    with arc.db.read() as session:
        households = session.scalar(select(func.count()).select_from(Household))
        hinted = [d.extra for d in session.scalars(select(Document))]
    # One roster row carries the planted invalid ID number and is refused on import.
    assert households == len(truth.households) - 1
    assert all(e.get("hint_village") == "001" for e in hinted)
