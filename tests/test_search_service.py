"""Search over a real archive: rebuild, indexing on filing, 繁/简, households, facets on
the demo township, permissions, and a damaged, outdated or locked index."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.archive.context import Archive
from dangan.archive.errors import InputError, NotFound
from dangan.archive.filing import file_document
from dangan.archive.models import Document, Household, Page, Village
from dangan.demo.forms import all_documents, document_text, traditional
from dangan.demo.people import make_township
from dangan.search.analysis import normalise
from dangan.search.households import find_households
from dangan.search.service import IndexBusy, SearchService
from tests import factories
from tests.test_cli import DOCUMENT_KEYS


@dataclass
class Demo:
    """What was put into the archive, to compare search answers with."""

    texts: dict[int, str] = field(default_factory=dict)  # document id → text
    village: dict[int, str] = field(default_factory=dict)  # document id → village code
    doc_type: dict[int, str] = field(default_factory=dict)
    year: dict[int, int] = field(default_factory=dict)
    traditional: set[int] = field(default_factory=set)
    heads: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # key → name, ID, no
    village_names: dict[str, str] = field(default_factory=dict)


MONTHLY = ("V02", "V03")  # minutes and work logs: one per month, kept for a few months


def build_demo(
    arc: Archive,
    *,
    villages: int = 2,
    households: int = 1,
    seed: int = 7,
    months: tuple[int, ...] = (1, 7),
) -> Demo:
    """The demo generator's township, filed: its texts as the pages' derived text."""
    township = make_township(seed, villages=villages, households_per_village=households)
    demo = Demo()
    with arc.db.write() as session:
        fonds = arc.township(session)
        rows: dict[tuple[str, str | None], Household | None] = {}
        vrows: dict[str, Village] = {}
        for v in township.villages:
            vrows[v.code] = Village(township=fonds, code=v.code, name=v.name)
            session.add(vrows[v.code])
            demo.village_names[v.code] = v.name
            for hh in v.households:
                row = Household(
                    village=vrows[v.code],
                    household_no=hh.household_no,
                    head_name=hh.head.name,
                    id_number=hh.head.id_number,
                )
                session.add(row)
                rows[(v.code, hh.household_no)] = row
                demo.heads[f"{v.code}/{hh.household_no}"] = (
                    hh.head.name,
                    hh.head.id_number,
                    hh.household_no,
                )
        session.flush()
        forms = [
            f
            for f in all_documents(township, seed)
            if f.doc_type not in MONTHLY or f.date.month in months
        ]
        # One scanned file holding every item (as a feeder scan split into parts).
        scan = factories.stored_file(
            arc, session, factories.pdf_bytes(f"demo-{seed}"), "卷宗扫描.pdf"
        )
        for n, form in enumerate(forms):
            if form.doc_type in ("H01", "V05") and n % 2 == 0:
                form = traditional(form)
            text = document_text(form)
            doc = Document(
                file=scan,
                source_pages=str(n + 1),
                doc_type=form.doc_type,
                title=form.title,
                date=form.date,
                year=form.year,
                village=vrows[form.village_code],
                household=rows.get((form.village_code, form.household_no)),
                pages=1,
                status="queued",
                page_rows=[Page(page_no=1, text=text)],
            )
            session.add(doc)
            session.flush()
            file_document(session, doc, arc.scheme, actor="test", store=arc.store)
            demo.texts[doc.id] = text
            demo.village[doc.id] = form.village_code
            demo.doc_type[doc.id] = form.doc_type
            demo.year[doc.id] = form.year
            if form.traditional:
                demo.traditional.add(doc.id)
    return demo


@pytest.fixture
def demo(arc: Archive) -> Demo:
    return build_demo(arc)


@pytest.fixture
def service(arc: Archive) -> Iterator[SearchService]:
    svc = SearchService(arc)
    yield svc
    svc.close()


def add_item(
    arc: Archive, text: str, *, status: str = "filed", title: str = "补充材料", file: bool = True
) -> int:
    """One more item in village 001 (household-less, village level)."""
    with arc.db.write() as session:
        village = session.scalar(select(Village).where(Village.code == "001"))
        assert village is not None
        doc = factories.document(
            session, arc, village_row=village, household_row=None, doc_type="V02", year=2019
        )
        doc.title = title
        doc.page_rows = [Page(page_no=1, text=text)]
        if file:
            file_document(session, doc, arc.scheme, actor="test", store=arc.store)
        doc.status = status
        return doc.id


def hit_ids(result: dict) -> list[int]:
    return [h["id"] for h in result["hits"]]


def containing(demo: Demo, word: str) -> set[int]:
    return {i for i, text in demo.texts.items() if normalise(word) in normalise(text)}


def test_rebuild_indexes_filed_and_review_items(arc: Archive, demo: Demo) -> None:
    add_item(arc, "待审核的危房改造材料", status="needs_review", file=False)
    add_item(arc, "排队中的危房改造材料", status="queued", file=False)
    seen: list[tuple[int, int]] = []
    service = SearchService(arc)
    try:
        count = service.rebuild(lambda done, total: seen.append((done, total)))
        assert count == len(demo.texts) + 1
        assert seen[0] == (0, count) and seen[-1] == (count, count)
        state = json.loads((arc.settings.index_dir / "tantivy" / "state.json").read_text())
        assert state["complete"] is True and state["schema"].startswith("tantivy/")
        # every item received and readable by default, its status labelled
        found = service.search("危房改造材料")
        assert [h["status"] for h in found["hits"]] == ["needs_review"]
        review = service.search("危房改造材料", status="needs_review")
        assert [h["status"] for h in review["hits"]] == ["needs_review"]
        assert service.search("危房改造材料", status="filed")["total"] == 0
        assert service.search("危房改造材料", status="all")["total"] == 1
    finally:
        service.close()


def test_json_is_the_document_json_plus_score_and_snippet(
    arc: Archive, demo: Demo, service: SearchService
) -> None:
    doc_id = add_item(arc, "危房改造 <script>alert('x')</script> & 易地搬迁")
    result = service.search("危房改造")
    assert list(result) == ["query", "total", "took_ms", "hits", "facets"]
    assert result["query"] == "危房改造"
    assert result["total"] == len(containing(demo, "危房改造")) + 1
    hit = next(h for h in result["hits"] if h["id"] == doc_id)
    assert list(hit) == [*DOCUMENT_KEYS, "score", "snippet"]
    assert hit["archival_code"].startswith("Z105-FP·2019-")
    assert "<script>" not in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] and "&amp;" in hit["snippet"]
    assert "<mark>危房改造</mark>" in hit["snippet"]
    assert set(result["facets"]) == {"village", "doc_type", "year"}


def test_filing_indexes_the_item(arc: Archive, demo: Demo) -> None:
    service = SearchService(arc, keep_writer=True)
    try:
        assert service.search("光伏电站收益", sync=False)["total"] == 0
        doc_id = add_item(arc, "村集体光伏电站收益分配方案")
        with arc.db.read() as session:
            doc = session.get(Document, doc_id)
            assert doc is not None
            assert service.index_document(session, doc) is True
        assert hit_ids(service.search("光伏电站收益", sync=False)) == [doc_id]
        with arc.db.write() as session:
            doc = session.get(Document, doc_id)
            assert doc is not None
            doc.status = "destroyed"
        with arc.db.read() as session:
            service.index_document(session, session.get(Document, doc_id))  # type: ignore[arg-type]
        assert service.search("光伏电站收益", status="all", sync=False)["total"] == 0
    finally:
        service.close()


def test_sync_catches_up_with_items_filed_elsewhere(arc: Archive, demo: Demo) -> None:
    service = SearchService(arc)
    try:
        assert service.search("扶贫车间务工")["total"] == 0
        doc_id = add_item(arc, "组织劳动力到扶贫车间务工")
        assert service.sync() >= 1
        assert hit_ids(service.search("扶贫车间务工", sync=False)) == [doc_id]
        assert service.sync() == 0  # nothing new
    finally:
        service.close()


def test_traditional_and_simplified_find_each_other(
    arc: Archive, demo: Demo, service: SearchService
) -> None:
    assert demo.traditional
    trad_id = min(demo.traditional)
    # A Simplified query finds the Traditional text...
    word = "精准扶贫申请书" if demo.doc_type[trad_id] == "H01" else "公示"
    found = hit_ids(service.search(word, limit=200))
    assert trad_id in found
    assert set(found) == containing(demo, word)
    hit = next(h for h in service.search(word, limit=200)["hits"] if h["id"] == trad_id)
    assert "<mark>精準扶貧申請書</mark>" in hit["snippet"] or "<mark>公示</mark>" in hit["snippet"]
    # ...and a Traditional query finds the Simplified text.
    simplified = [i for i in containing(demo, "建档立卡") if i not in demo.traditional]
    assert simplified
    assert set(simplified) <= set(hit_ids(service.search("建檔立卡", limit=500)))
    assert service.search("建檔立卡")["total"] == service.search("建档立卡")["total"]


def test_household_found_by_id_when_the_name_is_ocr_noisy(
    arc: Archive, demo: Demo, service: SearchService
) -> None:
    key, (name, id_number, number) = next(iter(demo.heads.items()))
    noisy = name[:-1] + ("囯" if name[-1] != "囯" else "国")
    with arc.db.read() as session:
        by_id = find_households(session, f"{noisy} {id_number}")
        assert [(m.head_name, m.matched_by) for m in by_id] == [(name, "id_number")]
        assert by_id[0].key == key
        by_name = find_households(session, noisy)
        assert by_name[0].head_name == name and by_name[0].matched_by == "name_fuzzy"
        by_number = find_households(session, number, village_ids=[by_id[0].household_id])
        assert all(m.household_no == number for m in by_number)
    village = key.split("/")[0]
    expected = {
        i for i in demo.texts if demo.village[i] == village and demo.doc_type[i].startswith("H")
    }
    with arc.db.read() as session:
        mine = set(
            session.scalars(
                select(Document.id).join(Household).where(Household.id_number == id_number)
            )
        )
    assert mine and mine <= expected
    assert set(hit_ids(service.search(household=id_number, limit=100))) == mine
    assert set(hit_ids(service.search(f"户:{noisy}", limit=100))) == mine
    assert set(hit_ids(service.search(id_number, limit=100))) >= mine
    with pytest.raises(NotFound):
        service.search(household="查无此人")


def test_filters_and_facets_on_the_demo_township(
    arc: Archive, demo: Demo, service: SearchService
) -> None:
    everything = service.search("", limit=0)
    assert everything["total"] == len(demo.texts)
    assert everything["hits"] == []
    facets = everything["facets"]
    assert {f["value"]: f["count"] for f in facets["village"]} == Counter(demo.village.values())
    assert {f["value"]: f["name"] for f in facets["village"]} == demo.village_names
    assert {f["value"]: f["count"] for f in facets["doc_type"]} == Counter(demo.doc_type.values())
    assert {f["value"]: f["count"] for f in facets["year"]} == Counter(demo.year.values())
    names = {f["value"]: f["name"] for f in facets["doc_type"]}
    assert names["H07"] == arc.scheme.types["H07"].name

    # village + type + keyword, as a user types it and as options
    village_code, village_name = sorted(demo.village_names.items())[1]
    want = {
        i
        for i in containing(demo, "收入")
        if demo.village[i] == village_code and demo.doc_type[i] == "H07"
    }
    assert want
    typed = service.search(f"收入 村:{village_name} 类型:H07", limit=100)
    assert set(hit_ids(typed)) == want
    assert typed["facets"]["village"] == [
        {"value": village_code, "name": village_name, "count": len(want)}
    ]
    options = service.search("收入", village=village_code, doc_type="h07", limit=100)
    assert set(hit_ids(options)) == want

    years = sorted(set(demo.year.values()))
    low, high = years[0], years[len(years) // 2]
    in_range = {i for i, y in demo.year.items() if low <= y <= high}
    assert set(hit_ids(service.search(f"年度:{low}-{high}", limit=500))) == in_range
    assert set(hit_ids(service.search("", year=str(high), limit=500))) == {
        i for i, y in demo.year.items() if y == high
    }
    # exclusion and OR on real text
    either = containing(demo, "因病") | containing(demo, "因残")
    assert set(hit_ids(service.search("因病 OR 因残", limit=500))) == either
    assert set(hit_ids(service.search("因病 -因残", limit=500))) == containing(
        demo, "因病"
    ) - containing(demo, "因残")


def test_ranked_and_paginated(arc: Archive, demo: Demo, service: SearchService) -> None:
    first = service.search("帮扶", limit=5)
    second = service.search("帮扶", limit=5, offset=5)
    assert first["total"] == second["total"] == len(containing(demo, "帮扶"))
    assert not set(hit_ids(first)) & set(hit_ids(second))
    scores = [h["score"] for h in first["hits"] + second["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_permissions_apply_inside_the_search(
    arc: Archive, demo: Demo, service: SearchService
) -> None:
    mine = {i for i, v in demo.village.items() if v == "001"}
    result = service.search("", allowed_villages=["001"], limit=500)
    assert set(hit_ids(result)) == mine
    assert result["total"] == len(mine)
    assert [f["value"] for f in result["facets"]["village"]] == ["001"]
    assert service.search("", allowed_villages=[], limit=1)["total"] == len(demo.texts)
    # another village's household is not found for a scoped user
    other = next(k for k in demo.heads if k.startswith("002/"))
    with pytest.raises(NotFound):
        service.search(household=demo.heads[other][1], allowed_villages=["001"])


def test_bad_filters_are_reported(arc: Archive, demo: Demo, service: SearchService) -> None:
    with pytest.raises(NotFound, match="没有行政村"):
        service.search("村:不存在村")
    with pytest.raises(InputError, match="年度"):
        service.search("年度:去年")
    with pytest.raises(InputError, match="状态"):
        service.search("状态:丢失")


@pytest.mark.parametrize("backend", ["tantivy", "whoosh"])
def test_garbage_in_the_index_is_reported_and_rebuilt(
    arc: Archive, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DANGAN_SEARCH_BACKEND", backend)
    demo = build_demo(arc, villages=1, households=1, months=(1,))
    first = SearchService(arc)
    assert first.name == backend
    total = first.search("")["total"]
    assert total == len(demo.texts)
    first.close()
    data = arc.settings.index_dir / backend / "data"
    for path in data.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00\xffnot an index\x00" * 7)
    again = SearchService(arc)
    try:
        assert again.search("")["total"] == total
        assert any("损坏" in n for n in again.notices)
    finally:
        again.close()


def test_outdated_schema_triggers_a_rebuild(arc: Archive, demo: Demo) -> None:
    SearchService(arc).rebuild()
    state_file = arc.settings.index_dir / "tantivy" / "state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "schema": "tantivy/0/0"}))
    service = SearchService(arc)
    try:
        assert service.search("")["total"] == len(demo.texts)
        assert any("版本" in n for n in service.notices)
        assert json.loads(state_file.read_text())["schema"] != "tantivy/0/0"
    finally:
        service.close()


def test_interrupted_rebuild_is_redone(arc: Archive, demo: Demo) -> None:
    SearchService(arc).rebuild()
    state_file = arc.settings.index_dir / "tantivy" / "state.json"
    state_file.write_text(json.dumps({**json.loads(state_file.read_text()), "complete": False}))
    service = SearchService(arc)
    try:
        assert service.search("")["total"] == len(demo.texts)
        assert any("未完成" in n for n in service.notices)
    finally:
        service.close()


def test_locked_index_is_reported_and_catches_up(arc: Archive, demo: Demo) -> None:
    server = SearchService(arc, keep_writer=True)
    other = SearchService(arc)
    try:
        server.search("")  # opens the index; the first write takes the writer
        server.sync()
        with arc.db.read() as session:
            doc = session.scalars(select(Document).limit(1)).one()
            assert server.index_document(session, doc)
        doc_id = add_item(arc, "在另一个进程里归档的易地扶贫搬迁材料")
        with arc.db.read() as session:
            doc = session.get(Document, doc_id)
            assert other.index_document(session, doc) is False  # type: ignore[arg-type]
        with pytest.raises(IndexBusy):
            other.rebuild()
        assert other.search("易地扶贫搬迁材料", sync=False)["total"] == 0  # reads still work
        server.sync()
        assert hit_ids(other.search("易地扶贫搬迁材料")) == [doc_id]
    finally:
        other.close()
        server.close()


def test_backend_setting(arc: Archive, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("DANGAN_SEARCH_BACKEND", "whoosh")
    service = SearchService(arc)
    assert service.name == "whoosh" and service.path == home / "index" / "whoosh"
    service.close()
    monkeypatch.setenv("DANGAN_SEARCH_BACKEND", "lucene")
    with pytest.raises(InputError, match="DANGAN_SEARCH_BACKEND"):
        SearchService(arc)
