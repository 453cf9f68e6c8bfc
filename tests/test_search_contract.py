"""The index contract: both backends give the same answers to the same queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.search.backend import IndexBackend, IndexDoc, IndexLocked, IndexUnavailable, SearchQuery
from dangan.search.query import parse_query
from dangan.search.service import open_backend

BACKENDS = ["tantivy", "whoosh"]
ID_WANG = "11010519491231002X"
CODE_1 = "Z105-FP·2016-Y-003·017-0001"


def corpus() -> list[IndexDoc]:
    def doc(doc_id: int, **kw: object) -> IndexDoc:
        defaults: dict[str, object] = {
            "village_code": "003",
            "village": "白沙村",
            "villages_allowed": [str(kw.get("village_code", "003"))],
        }
        return IndexDoc(id=doc_id, **{**defaults, **kw})  # type: ignore[arg-type]

    return [
        doc(
            1,
            title="扶贫手册",
            text="户主王建国,家庭人口4人。实施危房改造,帮扶责任人李明每月入户走访。",
            archival_code=CODE_1,
            doc_type="H07",
            doc_type_name="扶贫手册",
            class_code="SC",
            household_no="017",
            head_name="王建国",
            id_numbers=[ID_WANG],
            year=2016,
            date="2016-03-05",
        ),
        doc(
            2,
            title="贫困户申请书",
            text="本人李秀兰,因病致贫,申请纳入低保。" + "申请理由说明。" * 30,
            archival_code="Z105-FP·2017-Y-003·018-0001",
            doc_type="H01",
            doc_type_name="申请表/申请书",
            household_no="018",
            head_name="李秀兰",
            year=2017,
            date="2017-01-10",
        ),
        doc(
            3,
            village_code="004",
            village="石门村",
            title="扶貧手冊",
            text="戶主張三。實施危房改造,發放產業扶持資金。提到扶贫手册一次。",
            archival_code="Z105-FP·2018-Y-004·001-0001",
            doc_type="H07",
            doc_type_name="扶贫手册",
            household_no="001",
            head_name="张三",
            year=2018,
            date="2018-06-01",
        ),
        doc(
            4,
            village_code="004",
            village="石门村",
            title="村民代表大会会议记录",
            text="会议讨论五保供养对象名单,同意上报。",
            archival_code="Z105-FP·2018-Y-004·CJ-0001",
            doc_type="V02",
            doc_type_name="会议记录",
            year=2018,
            date="2018-07-01",
        ),
        doc(
            5,
            title="扶贫手册",
            text="待审核的扶贫手册,户主王建国。",
            doc_type="H07",
            household_no="017",
            head_name="王建国",
            year=2016,
            status="needs_review",
        ),
        doc(
            6,
            title="帮扶记录",
            text=f"户主 王建囯 身份证号 {ID_WANG.lower()} 帮扶措施: 产业扶持, 已销毁旧表。",
            archival_code="Z105-FP·2016-Y-003·017-0002",
            doc_type="H08",
            household_no="017",
            head_name="王建国",
            id_numbers=[ID_WANG],
            year=2016,
            date="2016-09-09",
        ),
        doc(
            7,
            village_code="005",
            village="东庄村",
            title="合同",
            text="ＡＢＣ农业公司 contract No. 2016年度 光伏扶贫",
            doc_type="V05",
            year=2015,
        ),
    ]


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    backend = open_backend(request.param, tmp_path / request.param)
    backend.add(corpus())
    backend.commit()
    yield backend
    backend.close()


def ids(backend: IndexBackend, text: str = "", **kw: object) -> list[int]:
    return [h.id for h in run(backend, text, **kw).hits]


def run(backend: IndexBackend, text: str = "", **kw: object):  # type: ignore[no-untyped-def]
    parsed = parse_query(text)
    query = SearchQuery(
        groups=parsed.groups,
        exclude=parsed.exclude,
        villages=parsed.villages,
        households=parsed.households,
        doc_types=parsed.doc_types,
        year_from=parsed.year_from,
        year_to=parsed.year_to,
    )
    if parsed.statuses:
        query.statuses = None if "all" in parsed.statuses else parsed.statuses
    for key, value in kw.items():
        setattr(query, key, value)
    return backend.search(query)


def test_count_and_words(index: IndexBackend) -> None:
    assert index.count() == 7
    assert sorted(ids(index, "危房改造")) == [1, 3]
    assert sorted(ids(index, "危房 李明")) == [1]
    assert ids(index, "没有这个词") == []


def test_traditional_and_simplified_find_each_other(index: IndexBackend) -> None:
    assert sorted(ids(index, "扶貧手冊")) == [1, 3]
    assert sorted(ids(index, "张三")) == [3]  # simplified query, Traditional text
    assert sorted(ids(index, "實施危房改造")) == [1, 3]


def test_title_match_ranks_first(index: IndexBackend) -> None:
    hits = run(index, "扶贫").hits
    assert sorted(h.id for h in hits[:2]) == [1, 3]  # in the title
    assert hits[2].id == 7  # only in the text
    assert hits[0].score >= hits[1].score >= hits[2].score > 0


def test_phrase_needs_adjacent_characters(index: IndexBackend) -> None:
    assert sorted(ids(index, '"危房改造"')) == [1, 3]
    assert sorted(ids(index, "“危房 改造”")) == [1, 3]
    assert ids(index, '"改造危房"') == []
    # The characters of a word must be adjacent too: 李...明 apart does not match 李明.
    assert ids(index, "李兰") == []


def test_or_and_exclusion(index: IndexBackend) -> None:
    assert sorted(ids(index, "低保 OR 五保")) == [2, 4]
    assert sorted(ids(index, "低保 | 五保 | 光伏")) == [2, 4, 7]
    assert sorted(ids(index, "产业扶持 -销毁")) == [3]
    assert sorted(ids(index, "产业扶持")) == [3, 6]


def test_filters(index: IndexBackend) -> None:
    assert sorted(ids(index, "村:003")) == [1, 2, 6]
    assert sorted(ids(index, "村:石门村")) == [3, 4]
    assert sorted(ids(index, "类型:H07")) == [1, 3]
    assert sorted(ids(index, "类型:h07,V02")) == [1, 3, 4]
    assert sorted(ids(index, "年度:2017-2018")) == [2, 3, 4]
    assert sorted(ids(index, "年度:2016")) == [1, 6]
    assert sorted(ids(index, "户:017")) == [1, 6]
    assert sorted(ids(index, "", households=["004/001"])) == [3]
    assert ids(index, "", households=["003/001"]) == []
    assert sorted(ids(index, "危房 村:004 类型:H07 年度:2018")) == [3]


def test_status_filed_by_default(index: IndexBackend) -> None:
    assert sorted(ids(index, "扶贫手册")) == [1, 3]
    assert sorted(ids(index, "扶贫手册 状态:待审核")) == [5]
    assert sorted(ids(index, "扶贫手册", statuses=None)) == [1, 3, 5]


def test_permission_filter_inside_search(index: IndexBackend) -> None:
    result = run(index, "扶贫", allowed_villages=["004"])
    assert sorted(h.id for h in result.hits) == [3]
    assert result.total == 1
    assert result.facets["village"] == {"004": 1}
    assert ids(index, "扶贫", allowed_villages=[]) == []
    assert sorted(ids(index, "扶贫", allowed_villages=["003", "005"])) == [1, 7]


def test_id_number_is_exact(index: IndexBackend) -> None:
    assert sorted(ids(index, ID_WANG)) == [1, 6]
    assert sorted(ids(index, ID_WANG.lower())) == [1, 6]
    assert ids(index, ID_WANG[:-1] + "1") == []
    assert sorted(ids(index, f"身份证:{ID_WANG}")) == [1, 6]


def test_archival_code_exact_and_prefix(index: IndexBackend) -> None:
    assert ids(index, CODE_1) == [1]
    assert ids(index, "z105-fp·2016-y-003·017-0001") == [1]
    assert sorted(ids(index, "Z105-FP·2016-Y-003·017")) == [1, 6]
    assert ids(index, "档号:Z105-FP·2018-Y-004·CJ-0001") == [4]


def test_single_characters_widths_and_mixed_words(index: IndexBackend) -> None:
    assert sorted(ids(index, "张")) == [3]
    assert ids(index, "abc") == [7]
    assert ids(index, "ＡＢＣ") == [7]
    assert ids(index, "CONTRACT") == [7]
    assert ids(index, "2016年") == [7]


def test_metadata_is_searchable(index: IndexBackend) -> None:
    # Item 6 spells the name wrongly (OCR); the household's head name still finds it.
    assert sorted(ids(index, "王建国")) == [1, 6]
    assert sorted(ids(index, "会议记录")) == [4]


def test_facets_count_every_match(index: IndexBackend) -> None:
    result = run(index, "扶贫", limit=1)
    assert result.total == 3
    assert len(result.hits) == 1
    assert result.facets["village"] == {"003": 1, "004": 1, "005": 1}
    assert result.facets["doc_type"] == {"H07": 2, "V05": 1}
    assert result.facets["year"] == {"2016": 1, "2018": 1, "2015": 1}
    result = run(index, "", statuses=None)
    assert result.facets["village"] == {"003": 4, "004": 2, "005": 1}
    assert result.facets["year"] == {"2015": 1, "2016": 3, "2017": 1, "2018": 2}


def test_filter_only_query_is_in_archival_code_order(index: IndexBackend) -> None:
    assert ids(index, "户:017") == [1, 6]
    assert ids(index, "村:004") == [3, 4]


def test_pagination(index: IndexBackend) -> None:
    everything = ids(index, "", statuses=None, limit=100)
    assert len(everything) == 7
    pages = [ids(index, "", statuses=None, limit=3, offset=o) for o in (0, 3, 6)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == everything
    assert run(index, "", statuses=None, limit=3, offset=6).total == 7


def test_update_delete_clear(index: IndexBackend) -> None:
    changed = corpus()[3]
    changed.text = "会议讨论光伏电站收益分配。"
    index.update([changed])
    index.commit()
    assert index.count() == 7
    assert ids(index, "五保") == []
    assert sorted(ids(index, "光伏")) == [4, 7]
    index.delete([7])
    index.commit()
    assert ids(index, "光伏") == [4]
    assert index.count() == 6
    index.clear()
    assert index.count() == 0
    assert ids(index, "光伏") == []


def test_reopen_keeps_the_index(index: IndexBackend) -> None:
    path, name = index.path, index.name
    index.close()
    again = open_backend(name, path)
    try:
        assert sorted(
            h.id for h in again.search(SearchQuery(groups=parse_query("危房").groups)).hits
        ) == [1, 3]
    finally:
        again.close()


def test_second_writer_is_locked_out(index: IndexBackend) -> None:
    index.update([corpus()[0]])  # holds the writer, not committed
    other = open_backend(index.name, index.path)
    try:
        with pytest.raises(IndexLocked):
            other.add([corpus()[1]])
    finally:
        other.close()
    index.commit()


@pytest.mark.parametrize("name", BACKENDS)
def test_garbage_index_is_unavailable(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    backend = open_backend(name, path)
    backend.add(corpus())
    backend.close()
    for file in path.iterdir():
        if file.is_file():
            file.write_bytes(b"\x00garbage\xff" * 10)
    with pytest.raises(IndexUnavailable):
        broken = open_backend(name, path)
        try:
            broken.search(SearchQuery(statuses=None))
        except (ValueError, OSError) as exc:
            raise IndexUnavailable(str(exc)) from exc
        finally:
            broken.close()
