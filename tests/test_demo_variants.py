"""Layouts and wordings of other offices (demo.variants): the same facts, other papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.archive import facts
from dangan.demo.build import build_township
from dangan.demo.forms import document_text, household_documents, village_documents
from dangan.demo.people import make_township
from dangan.demo.variants import (
    CLASSIC,
    DEVELOPED,
    HELD_OUT,
    incoming_documents,
    pick_style,
    restyle,
    styles_of,
)

SEED = 2018


@pytest.fixture(scope="module")
def township():  # type: ignore[no-untyped-def]
    return make_township(SEED, 1, 4)


def _docs(t):  # type: ignore[no-untyped-def]
    v = t.villages[0]
    for hh in v.households:
        yield from ((v, d) for d in household_documents(t, v, hh, SEED))
    yield from ((v, d) for d in village_documents(t, v, SEED))


def test_every_form_has_three_layouts_in_the_developed_family(township) -> None:
    texts: dict[str, set[str]] = {}
    for v, doc in _docs(township):
        if doc.doc_type in ("H15", "H16"):  # an ID card copy and a photo have no layout
            continue
        for style in DEVELOPED:
            texts.setdefault(f"{doc.doc_type} {doc.title}", set()).add(
                document_text(restyle(doc, style, township, v))
            )
    assert texts and all(len(t) == 3 for t in texts.values()), [
        k for k, t in texts.items() if len(t) != 3
    ]


def test_a_restyled_document_states_the_same_facts(township) -> None:
    for v, doc in _docs(township):
        if doc.doc_type == "H16":  # a photo: no text
            continue
        before = document_text(doc)
        for style in (*DEVELOPED, *HELD_OUT):
            after = document_text(restyle(doc, style, township, v))
            assert sorted(set(facts.dates(after))) == sorted(set(facts.dates(before))), (
                style.name,
                doc.title,
            )
            if doc.household_no is not None and style.title_only and doc.doc_type in (
                style.title_only
            ):
                assert doc.head_name in after.splitlines()[0]  # the title names the head
            else:
                assert set(facts.id_numbers(after)) == set(facts.id_numbers(before))
            assert after.splitlines()[0] == restyle(doc, style, township, v).form_title


def test_the_held_out_family_shares_no_style_with_the_developed_one() -> None:
    assert not {s.name for s in HELD_OUT} & {s.name for s in DEVELOPED}
    assert not {s.title for s in HELD_OUT} & {s.title for s in DEVELOPED}
    assert not {s.household_no for s in HELD_OUT} & {s.household_no for s in DEVELOPED}
    assert not {s.dates for s in HELD_OUT} & {s.dates for s in DEVELOPED}
    assert not {s.brackets for s in HELD_OUT} & {s.brackets for s in DEVELOPED}
    with pytest.raises(ValueError, match="unknown layout family"):
        styles_of("mine")


def test_the_style_of_a_document_depends_on_the_seed_only(township) -> None:
    _, doc = next(_docs(township))
    assert pick_style("developed", SEED, doc) is pick_style("developed", SEED, doc)
    assert pick_style("classic", SEED, doc) is CLASSIC
    assert pick_style("unseen", SEED, doc) in HELD_OUT


def test_incoming_documents_carry_their_number_under_the_issuers_head(township) -> None:
    v = township.villages[0]
    for style in (*DEVELOPED, *HELD_OUT):
        for doc in incoming_documents(township, v, style, SEED):
            text = document_text(doc)
            found = facts.heading_number(text)
            assert found is not None and found.line == 1, text[:60]
            assert doc.doc_type == "V12" and v.name in text


def test_minutes_and_logs_of_the_county_style_never_name_their_village(tmp_path: Path) -> None:
    gt = build_township(
        tmp_path, seed=SEED, villages=1, households_per_village=4, render=False, layouts="developed"
    ).as_dict()
    village = gt["villages"][0]["name"]
    parts = [p for f in gt["files"] for p in f["parts"]]
    unnamed = [
        p for p in parts if p["doc_type"] in ("V02", "V03") and village not in "".join(p["text"])
    ]
    assert unnamed  # and they name households, helpers or cadres instead
    assert all(
        facts.people_named("".join(p["text"])) or "贫困户" in "".join(p["text"]) for p in unnamed
    )
    assert any(p["doc_type"] == "V12" for p in parts)
    styles = {pick_style("developed", SEED, d).name for _, d in _docs(make_township(SEED, 1, 4))}
    assert styles == {s.name for s in DEVELOPED}  # every document draws its own
