"""`dangan demo` loading: every folder of the township is received with its village and
household, the household with the planted invalid ID number included."""

from __future__ import annotations

import json

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
        stored_ids = {
            no: id_number
            for no, id_number in session.execute(
                select(Household.household_no, Household.id_number)
            )
        }
    # One roster row carries the planted invalid ID number: imported as written, like
    # every other row, and every household folder goes in with its household.
    assert households == len(truth.households)
    [planted] = [f for f in truth.faults if f["rule"] == "ID_INVALID"]
    assert stored_ids[planted["household_no"]] == planted["roster_id_number"]
    assert stored_ids[planted["household_no"]] != planted["id_number"]
    assert all(e.get("hint_village") == "001" for e in hinted)
    # The planted household's papers went in with its household number, as its
    # neighbours' did, rather than with the village only.
    folder = f"{planted['household_no']}_"
    in_folder = [f for f in truth.files if f["path"].split("/")[1].startswith(folder)]
    assert in_folder
    assert [e.get("hint_household") for e in hinted].count(planted["household_no"]) == len(
        in_folder
    )


def test_demo_offers_every_layout_family_and_keeps_each_in_its_own_folder(arc):
    from dangan.cli.demo import DemoTownship, Layouts, build_corpus
    from dangan.demo.variants import LAYOUT_FAMILIES

    assert tuple(layout.value for layout in Layouts) == LAYOUT_FAMILIES
    classic = DemoTownship(5, 1, 1, "classic")
    unseen = DemoTownship(5, 1, 1, "unseen")
    assert classic.folder(arc) != unseen.folder(arc)
    corpus = build_corpus(arc, unseen, show=False)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["layouts"] == "unseen"
