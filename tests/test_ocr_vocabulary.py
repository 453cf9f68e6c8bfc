"""Mending characters read with doubt against the archive's known words."""

from __future__ import annotations

import pytest

from dangan.ingest.ocr.vocabulary import MEND_BELOW, MEND_SHORT_BELOW, Vocabulary

SURE, DOUBT = 0.96, 0.4


@pytest.fixture(scope="module")
def words() -> Vocabulary:
    known = "贫困户 脱贫 扶贫 致贫原因 工作日志 两不愁三保障 梁强保 梁强宝 评议会 评议表"
    return Vocabulary(known.split())


def confidences(text: str, doubtful: str) -> list[float]:
    """SURE for each character but those at the places marked "?" in `doubtful`."""
    assert len(doubtful) == len(text)
    return [DOUBT if mark == "?" else SURE for mark in doubtful]


@pytest.mark.parametrize(
    ("read", "doubtful", "mended"),
    [
        ("建档立卡负困户", "....?..", "建档立卡贫困户"),  # a doubtful slip in a known word
        ("建档立卡负困户", ".......", "建档立卡负困户"),  # read with confidence: kept
        ("户主深强保", "..?..", "户主梁强保"),  # a household head of the roster
        ("户主梁强葆", "....?", "户主梁强葆"),  # 梁强保 or 梁强宝? left as read
        ("开展两不私三保降排查", "..?.?..?..", "开展两不愁三保障排查"),  # long words: two slips
        ("签字9月", "..?.", "签字9月"),  # nothing known
    ],
)
def test_a_doubtful_slip_is_mended_only_towards_one_known_word(
    words: Vocabulary, read: str, doubtful: str, mended: str
) -> None:
    assert words.mend(read, confidences(read, doubtful)) == mended


def test_two_character_words_need_deeper_doubt(words: Vocabulary) -> None:
    assert words.mend("脱负验收", [SURE, MEND_SHORT_BELOW + 0.1, SURE, SURE]) == "脱负验收"
    assert words.mend("脱负验收", [SURE, MEND_SHORT_BELOW - 0.1, SURE, SURE]) == "脱贫验收"
    assert words.mend("立卡负困户", [SURE, SURE, MEND_BELOW - 0.01, SURE, SURE]) == "立卡贫困户"


def test_a_traditional_line_is_mended_in_traditional_characters(words: Vocabulary) -> None:
    read = "致負原因"
    assert words.mend(read, confidences(read, ".?.."), traditional=True) == "致貧原因"
    # 日志 is a known word as written, though OpenCC writes 日誌 in Traditional
    assert words.mend("工作日志", [DOUBT] * 4, traditional=True) == "工作日志"


def test_digits_and_punctuation_are_never_mended(words: Vocabulary) -> None:
    # "贫困1" is one slip from 贫困户, but a digit is what tesseract read for sure
    assert words.mend("贫困1", [DOUBT] * 3) == "贫困1"
    assert words.mend("扶,", [DOUBT] * 2) == "扶,"
    # a Latin letter is tesseract's guess for a character it could not read
    assert words.mend("为贫困x", [SURE, SURE, SURE, DOUBT]) == "为贫困户"


def test_characters_inside_a_known_word_are_not_touched(words: Vocabulary) -> None:
    # 评议会 is known: it is not "mended" to 评议表 however doubtful its characters
    assert words.mend("民主评议会", [DOUBT] * 5) == "民主评议会"


def test_a_word_of_the_dictionary_is_not_mended() -> None:
    # 调查表 is one slip from the label 调查人, but it is a word (jieba's dictionary)
    words = Vocabulary(["调查人", "贫困户"])
    assert words.mend("入户调查表", [DOUBT] * 5) == "入户调查表"
    assert words.mend("调查入:袁玉兰", [0.96, 0.96, DOUBT, 0.96, 0.96, 0.96, 0.96]) == (
        "调查人:袁玉兰"
    )


@pytest.mark.parametrize(
    ("read", "doubtful", "mended"),
    [
        ("发放花极苗200株", "...?.....", "发放花椒苗200株"),  # a crop
        ("入股光伏电坫", ".....?", "入股光伏电站"),  # a facility
        ("发放羊盖6只", "...?..", "发放羊羔6只"),  # livestock
        ("发放花极苗200株", ".........", "发放花极苗200株"),  # read with confidence: kept
    ],
)
def test_the_schemes_domain_words_mend_rare_words_inspectors_search_for(
    read: str, doubtful: str, mended: str
) -> None:
    from dangan.archive.scheme import load_scheme

    vocabulary = Vocabulary(load_scheme().vocabulary)
    assert vocabulary.mend(read, confidences(read, doubtful)) == mended
