"""Classification decisions on OCR-like text against a real roster."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dangan.archive.idnumber import check_digit
from dangan.archive.models import Household, Village
from dangan.ingest.classify import HINT_CONFIDENCE, NAME_HINT_CONFIDENCE, THRESHOLD, decide
from dangan.ingest.namehints import name_hints
from dangan.ingest.typemodel import train


def _id(first17: str) -> str:
    return first17 + check_digit(first17)


WANG = _id("41108119620315001")
ZHANG_A = _id("41108119580720002")
ZHANG_B = _id("41108119600101005")


@pytest.fixture
def roster(arc):
    with arc.db.write() as session:
        township = arc.township(session)
        baisha = Village(township=township, code="001", name="白沙村")
        liushu = Village(township=township, code="002", name="柳树村")
        session.add_all(
            [
                Household(village=baisha, household_no="001", head_name="王建国", id_number=WANG),
                Household(
                    village=baisha, household_no="002", head_name="张小明", id_number=ZHANG_A
                ),
                Household(
                    village=liushu, household_no="001", head_name="张小明", id_number=ZHANG_B
                ),
            ]
        )
    return arc


def _decide(arc, text, *, kind="pdf", hints=None, metadata=None, model=None, name=""):
    with arc.db.read() as session:
        d = decide(
            session,
            arc.scheme,
            text,
            kind=kind,
            metadata=metadata or {},
            hints=hints or {},
            model=model,
            name=name,
        )
        return d.as_dict() | {"confidence": d.confidence, "title_made_up": d.title_made_up}


def test_title_and_id_number_file_with_confidence(roster):
    text = f"贫困户入户调查表\n户主姓名: 王建國\n身份证号: {WANG}\n填表日期: 2018年3月5日"
    d = _decide(roster, text)
    assert (d["doc_type"], d["village_code"], d["household_no"], d["date"]) == (
        "H02",
        "001",
        "001",
        "2018-03-05",
    )
    assert d["confidence"] >= THRESHOLD and d["reasons"] == []
    assert d["title"] == "贫困户入户调查表" and not d["title_made_up"]


def test_ocr_noisy_id_number_still_finds_the_household(roster):
    noisy = WANG[:5] + "O" + WANG[6:]
    text = f"扶 贫 手 册\n户主: 王建图\n身份证 {noisy}\n2017年1月1日"
    d = _decide(roster, text)
    assert (d["doc_type"], d["household_no"]) == ("H07", "001")


def test_two_households_with_the_same_name_go_to_review(roster):
    text = "贫困户申请书\n申请人: 张小明\n2016年3月1日"
    d = _decide(roster, text)
    assert d["household_no"] is None
    assert any("对应多户" in r for r in d["reasons"])


def test_same_name_resolved_by_the_village_hint(roster):
    text = "贫困户申请书\n申请人: 张小明\n2016年3月1日"
    d = _decide(roster, text, hints={"hint_village": "002"})
    assert (d["village_code"], d["household_no"]) == ("002", "001")
    assert d["reasons"] == []


def test_name_with_one_wrong_character_is_proposed_but_reviewed(roster):
    text = "评议表\n户主姓名: 王建图\n2016年5月1日"
    d = _decide(roster, text)
    assert d["household_no"] == "001"
    assert d["confidence"] < THRESHOLD
    assert any("不完全一致" in r for r in d["reasons"])


def test_hint_that_contradicts_the_id_number_is_reviewed(roster):
    text = f"审批表\n身份证号: {WANG}\n2016年6月1日"
    d = _decide(roster, text, hints={"hint_village": "001", "hint_household": "002"})
    assert d["confidence"] < THRESHOLD
    assert any("文中内容指向 王建国" in r for r in d["reasons"])


def test_village_level_items_have_no_household(roster):
    text = "白沙村两委会议记录\n会议时间: 2018年4月2日\n出席: 王建国 张小明"
    d = _decide(roster, text)
    assert (d["doc_type"], d["village_code"], d["household_no"]) == ("V02", "001", None)
    assert d["confidence"] >= THRESHOLD


def test_photo_without_text_is_a_photo_of_the_household_it_was_uploaded_for(roster):
    d = _decide(
        roster,
        "",
        kind="jpeg",
        hints={"hint_village": "001", "hint_household": "001"},
        metadata={"date_taken": "2019-05-01T10:00:00"},
    )
    assert (d["doc_type"], d["household_no"], d["date"]) == ("H16", "001", "2019-05-01")
    assert d["title_made_up"] and d["title"] == "王建国照片(户)"


def test_no_title_and_no_model_goes_to_review(roster):
    d = _decide(roster, f"户主姓名: 王建国 身份证号: {WANG} 2018年1月1日")
    assert d["doc_type"] is None
    assert any("未识别出文件类型" in r for r in d["reasons"])


def test_learned_model_classifies_text_without_a_title(roster):
    samples = {
        "H11": "年人均纯收入 种植业收入 养殖业收入 务工收入 转移性收入 合计 元",
        "H12": "帮扶联系 联系电话 帮扶责任人 有事请打电话 连心",
    }
    texts, labels = [], []
    for code, words in samples.items():
        for i in range(15):
            texts.append(f"{words} 第{i}户")
            labels.append(code)
    pipeline = train(texts, labels)
    from dangan.ingest.typemodel import TypeModel

    model = TypeModel(pipeline, dt.datetime(2026, 1, 1), len(texts))
    d = _decide(
        roster, f"种植业收入 3000元 务工收入 5000元 合计 身份证号 {WANG} 2019年12月1日", model=model
    )
    assert d["doc_type"] == "H11"
    assert d["household_no"] == "001"


def test_training_needs_enough_examples():
    assert train(["甲"] * 5, ["H01"] * 5) is None


def test_misread_name_with_agreeing_facts_is_filed(roster):
    with roster.db.write() as session:
        from sqlalchemy import select

        wang = session.scalar(select(Household).where(Household.head_name == "王建国"))
        wang.members, wang.phone = 4, "13800000001"
    text = "帮扶连心卡\n贫困户 王建图 家庭人口 4人\n家庭住址 白沙村3组 联系电话 13800000001\n2016年3月15日"
    d = _decide(roster, text)
    assert (d["doc_type"], d["household_no"], d["reasons"]) == ("H12", "001", [])
    assert d["confidence"] >= THRESHOLD


def test_misread_name_without_agreeing_facts_is_reviewed(roster):
    text = "帮扶连心卡\n贫困户 王建图 家庭人口 6人\n家庭住址 白沙村3组\n2016年3月15日"
    d = _decide(roster, text)
    assert d["confidence"] < THRESHOLD


def test_photo_named_after_the_household_is_filed_there(roster):
    taken = {"date_taken": "2019-05-01T10:00:00"}
    d = _decide(roster, "", kind="jpeg", metadata=taken, name="王建国走访照片.jpg")
    assert (d["doc_type"], d["village_code"], d["household_no"]) == ("H16", "001", "001")
    assert d["confidence"] >= THRESHOLD and d["reasons"] == []
    assert d["place_confidence"] == NAME_HINT_CONFIDENCE < HINT_CONFIDENCE


def test_folders_of_the_upload_path_are_read_too(roster):
    d = _decide(roster, "", kind="jpeg", name="002_柳树村/001_张小明/IMG_20180310.jpg")
    assert (d["doc_type"], d["village_code"], d["household_no"]) == ("H16", "002", "001")


def test_a_name_that_fits_two_households_is_no_hint(roster):
    d = _decide(roster, "", kind="jpeg", name="张小明走访照片.jpg")
    assert (d["doc_type"], d["household_no"]) == ("V09", None)
    # the uploader's village settles it
    d = _decide(roster, "", kind="jpeg", hints={"hint_village": "001"}, name="张小明.jpg")
    assert (d["doc_type"], d["village_code"], d["household_no"]) == ("H16", "001", "002")


def test_what_the_page_says_beats_the_file_name(roster):
    text = f"贫困户申请书\n申请人: 王建国\n身份证号: {WANG}\n2016年3月1日"
    d = _decide(roster, text, name="001_白沙村/002_张小明/申请书.jpg")
    assert d["household_no"] == "001"
    assert d["confidence"] < THRESHOLD
    assert any("文件名写的是 张小明, 文中内容指向 王建国" in r for r in d["reasons"])


def test_name_hints_prefer_the_longest_name_and_ignore_scanner_names(roster):
    with roster.db.write() as session:
        baisha = session.scalar(select(Village).where(Village.code == "001"))
        session.add(
            Household(
                village=baisha,
                household_no="003",
                head_name="王建",
                id_number=_id("41108119700101003"),
            )
        )
    with roster.db.read() as session:
        assert name_hints(session, "王建国申请书.jpg") == {
            "hint_village": "001",
            "hint_household": "001",
        }
        assert name_hints(session, "DOC00427.jpg") == {}
        assert name_hints(session, "IMG_20180310_155328.jpg") == {}


def test_an_application_whose_title_was_lost_is_known_by_its_wording(roster):
    # OCR read the title 精准扶贫申请书 as 青准扶贫申请; the body is an application's
    text = (
        f"青准扶贫申请\n我叫王建国，身份证号{WANG}，家庭人口4人。根据国家精准扶贫政策，"
        "特申请纳入建档立卡贫困户，请予审查批准。\n申请人:王建国\n2015年8月28日"
    )
    d = _decide(roster, text)
    assert (d["doc_type"], d["household_no"]) == ("H01", "001")
    assert d["confidence"] >= THRESHOLD and d["reasons"] == []
    assert d["title_made_up"]
