"""The OCR engines, with real tesseract (and RapidOCR when installed)."""

from __future__ import annotations

import importlib.util
import os

import pytest
from PIL import Image

from dangan.archive.errors import InputError
from dangan.ingest.extract import ocr_image
from dangan.ingest.ocr import OcrEngine, OcrEngineError, get_engine
from dangan.ingest.ocr.script import looks_traditional
from dangan.ingest.ocr.tesseract import available_languages, detect_orientation
from dangan.ingest.ocr.words import join_words
from dangan.ingest.pages.preprocess import prepare_for_ocr
from tests.pages import SIMPLIFIED, TC, TRADITIONAL, cer, render_lines

SIMPLIFIED_TEXT = "\n".join(SIMPLIFIED)


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return render_lines(SIMPLIFIED)


def test_languages_installed() -> None:
    assert {"chi_sim", "chi_tra", "osd"} <= set(available_languages())


def test_tesseract_reads_a_simplified_page(page: Image.Image) -> None:
    engine = get_engine("tesseract")
    assert isinstance(engine, OcrEngine)
    result = engine.recognize(prepare_for_ocr(page, "scan"), traditional=False)
    assert result.engine == "tesseract:chi_sim"
    assert cer(SIMPLIFIED_TEXT, result.text) < 0.06
    assert result.confidence is not None and 0.75 < result.confidence <= 1.0
    assert result.text.splitlines()[0] == "建档立卡贫困户申请书"  # no spaces between CJK
    assert len(result.cjk_words) > 20
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_in_process_reading_is_the_tesseract_programs(page: Image.Image, tmp_path) -> None:
    import subprocess

    import tesserocr

    from dangan.ingest.ocr.tesseract import PAGE_MODE, read_tsv

    program = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    if program.stdout.split("\n", 1)[0] != tesserocr.tesseract_version().split("\n", 1)[0]:
        pytest.skip("tesserocr carries a tesseract of its own (a wheel, not built here)")
    prepared = prepare_for_ocr(page, "scan")
    prepared.save(tmp_path / "page.png", dpi=(300, 300))
    tsv = subprocess.run(
        ["tesseract", str(tmp_path / "page.png"), "stdout", "-l", "chi_sim",
         "--oem", "1", "--psm", str(PAGE_MODE), "--dpi", "300", "tsv"],
        capture_output=True, text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout  # fmt: skip
    rows = [row.split("\t") for row in tsv.splitlines()[1:]]
    by_program = [(r[11], r[6], r[7], r[10]) for r in rows if len(r) == 12 and float(r[10]) >= 0]
    data = read_tsv(prepared, "chi_sim", PAGE_MODE)
    in_process = [
        (data["text"][i], data["left"][i], data["top"][i], data["conf"][i])
        for i in range(len(data["text"]))
        if float(data["conf"][i]) >= 0
    ]
    assert in_process == by_program
    assert len(in_process) > 20


def test_a_page_over_its_time_limit_fails_with_a_clear_error(
    page: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dangan.ingest.ocr.tesseract as tesseract

    monkeypatch.setattr(tesseract, "TIMEOUT_SECONDS", 0.001)
    with pytest.raises(OcrEngineError, match=r"tesseract 超时 \(0.001 秒\)"):
        tesseract.TesseractEngine().recognize(prepare_for_ocr(page, "scan"), False)
    monkeypatch.undo()  # the same engine reads the page once the limit is back
    assert (
        "建档立卡"
        in tesseract.TesseractEngine().recognize(prepare_for_ocr(page, "scan"), False).text
    )


def test_a_language_not_installed_is_a_clear_error() -> None:
    from dangan.ingest.ocr.tesseract import TesseractEngine

    engine = TesseractEngine(simplified_lang="uig")
    with pytest.raises(OcrEngineError, match="tesseract 无法加载语言 uig"):
        engine.recognize(Image.new("L", (200, 80), 255), False)


def test_join_words_spaces_only_between_latin_words() -> None:
    assert join_words(["张", "秀", "英", "，", "ID", "4305", "号"]) == "张秀英，ID 4305号"
    assert join_words(["户主", "张三", "电话", "139"], [False, True, False, False]) == (
        "户主 张三电话139"
    )


def test_sideways_page_is_turned_upright(page: Image.Image) -> None:
    sideways = page.rotate(90, expand=True)
    assert detect_orientation(sideways)[0] == 270
    result = ocr_image(sideways, "scan", get_engine())
    assert result.rotated == 270
    assert cer(SIMPLIFIED_TEXT, result.text) < 0.06


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="未知的 OCR 引擎 “abbyy”"):
        get_engine("abbyy")


@pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None, reason="rapidocr not installed")
def test_rapidocr_reads_traditional_with_bundled_models() -> None:
    from dangan.ingest.ocr.rapid import _bundled_models

    assert all(os.path.isfile(p) for p in _bundled_models().values())
    engine = get_engine("rapidocr")
    assert engine.separate_traditional is False
    result = engine.recognize(render_lines(TRADITIONAL, face=TC), traditional=False)
    assert result.engine == "rapidocr:PP-OCRv6"
    assert looks_traditional(result.text)
    assert cer("\n".join(TRADITIONAL), result.text) < 0.05
    assert result.confidence is not None and result.confidence > 0.9


def test_table_borders_read_as_bars_are_dropped() -> None:
    from dangan.ingest.ocr.tesseract import _result, _words

    words = ["|", "识别年度", "|2016年", "｜", "人均纯收入|"]
    n = len(words)
    data = {
        "text": words,
        "conf": [90] * n,
        "block_num": [1] * n,
        "par_num": [1] * n,
        "line_num": [1] * n,
        "left": [i * 100 for i in range(n)],
        "width": [90] * n,
        "top": [10] * n,
        "height": [40] * n,
    }
    assert (
        _result(_words(data), "tesseract:chi_sim").text.replace(" ", "")
        == "识别年度2016年人均纯收入"
    )


def _tsv(words: list[tuple[str, int, int, int, int, int]]) -> dict[str, list]:
    """image_to_data's columns for (text, conf, block, left, top, height) words; words
    of one block at one height are one line."""
    lines = {(w[2], w[4]): None for w in words}
    return {
        "text": [w[0] for w in words],
        "conf": [w[1] for w in words],
        "block_num": [w[2] for w in words],
        "par_num": [1] * len(words),
        "line_num": [list(lines).index((w[2], w[4])) for w in words],
        "left": [w[3] for w in words],
        "top": [w[4] for w in words],
        "width": [len(w[0]) * 40 for w in words],
        "height": [w[5] for w in words],
    }


def test_form_cells_found_as_separate_blocks_come_back_row_by_row() -> None:
    from dangan.ingest.ocr.tesseract import _result, _words

    # tesseract orders a form's cells column by column: labels first, then values
    data = _tsv(
        [
            ("户主姓名", 90, 1, 100, 300, 40),
            ("身份证号", 90, 1, 100, 400, 40),
            ("梁强保", 90, 2, 600, 302, 40),
            ("370406194008120034", 90, 2, 600, 398, 40),
            ("贫困户入户调查表", 90, 3, 500, 100, 60),
        ]
    )
    assert _result(_words(data), "tesseract:chi_sim").text.splitlines() == [
        "贫困户入户调查表",
        "户主姓名 梁强保",
        "身份证号 370406194008120034",
    ]


def test_unsure_specks_of_punctuation_are_dropped_but_words_and_sure_commas_kept() -> None:
    from dangan.ingest.ocr.tesseract import _result, _words

    data = _tsv(
        [
            ("”", 12, 1, 100, 100, 40),
            ("申请人", 40, 1, 150, 100, 40),
            ("，", 92, 1, 270, 100, 40),
            ("@@", 0, 1, 312, 100, 40),
            ("梁强保", 91, 1, 340, 100, 40),
        ]
    )
    result = _result(_words(data), "tesseract:chi_sim")
    assert result.text == "申请人，梁强保"
    assert result.cjk_words == (("申请人", 0.4), ("梁强保", 0.91))


def test_a_line_tesseract_runs_across_table_cells_is_cut_so_a_wrapped_cell_stays_whole() -> None:
    from dangan.ingest.ocr.tesseract import _result, _words

    # Boxes as tesseract gave them on a crooked 200 dpi scan of 脱贫计划落实情况表: the
    # wrapped cell's first line on its own, its second line in one tesseract line with
    # the row's number, date and state, which sit centred on the two-line row.
    words = [  # text, line, left, top, right, bottom
        ("就业扶持安排公益岗位", 1, 294, 469, 740, 509),
        ("月", 1, 767, 474, 788, 499),
        ("1", 2, 232, 490, 244, 517),
        ("工资500元", 2, 294, 507, 422, 538),
        ("2018年3月7日", 2, 855, 487, 1029, 529),
        ("已落实", 2, 1094, 490, 1189, 520),
    ]
    data = {
        "text": [w[0] for w in words],
        "conf": [90] * len(words),
        "block_num": [1] * len(words),
        "par_num": [1] * len(words),
        "line_num": [w[1] for w in words],
        "left": [w[2] for w in words],
        "top": [w[3] for w in words],
        "width": [w[4] - w[2] for w in words],
        "height": [w[5] - w[3] for w in words],
    }
    assert _result(_words(data), "tesseract:chi_sim").text == (
        "1 就业扶持安排公益岗位月工资500元 2018年3月7日 已落实"
    )


@pytest.mark.parametrize(
    ("read", "tidied"),
    [
        ("单位:元〈每月记录一次，年终汇总)", "单位:元(每月记录一次，年终汇总)"),
        ("安排公益岗位《保洁员）", "安排公益岗位（保洁员）"),
        ("《扶贫手册》〈第2版〉", "《扶贫手册》〈第2版〉"),  # real book-title marks
        ("行政村:石门村“户主:梁强保”家庭人口: 6人”", "行政村:石门村“户主:梁强保”家庭人口: 6人"),
        ("“行政村:石门村“户主:梁强保", "行政村:石门村户主:梁强保"),
        ("开展“两不愁三保障”入户排查", "开展“两不愁三保障”入户排查"),
    ],
)
def test_tesseract_brackets_and_stray_quotes_are_tidied(read: str, tidied: str) -> None:
    from dangan.ingest.ocr.tesseract import tidy

    assert tidy(read) == tidied
