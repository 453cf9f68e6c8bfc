"""The hybrid engine: tesseract reads, PP-OCR's recognition model reads again the lines
tesseract doubted; real tesseract and real RapidOCR on pages rendered here."""

from __future__ import annotations

import importlib.util
import io

import pytest
from sqlalchemy import select

from dangan.archive.models import Page
from dangan.ingest.extract import ocr_image
from dangan.ingest.ocr import get_engine
from dangan.ingest.ocr.reread import DOUBT_BELOW, lines_read_again
from dangan.ingest.receive import receive_stream
from dangan.ingest.worker import work
from tests.pages import TC, TRADITIONAL, encode, render_lines

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("rapidocr") is None, reason="rapidocr not installed"
)

TESSERACT = "tesseract:chi_sim"
REC = "rapidocr:PP-OCRv6-rec"
# The rare words of a household's aid that tesseract misreads (牦牛 as 尾牛, 鳜鱼 as 乌鱼),
# and two lines it reads surely. At 8 pt, as on a form's small print.
RARE = ["产业扶持：种植猕猴桃三亩，养殖牦牛两头", "发展魔芋、鳜鱼养殖，修建沼气池一口"]
PLAIN = ["建档立卡贫困户申请书", "户主姓名：梁强保"]


def test_doubtful_lines_are_read_again_and_corrected_sure_ones_left() -> None:
    page = render_lines(RARE + PLAIN, pt=8)
    alone = ocr_image(page, "scan", get_engine("tesseract"))
    assert "牦牛" not in alone.text and "鳜鱼" not in alone.text
    assert all(line.engine == TESSERACT for line in alone.lines)

    result = ocr_image(page, "scan", get_engine("hybrid"))
    assert result.engine == f"{TESSERACT}+{REC}"
    by_text = {line.text: line for line in result.lines}
    for text in RARE:
        assert by_text[text].engine == REC
    assert "牦牛" in result.text and "鳜鱼" in result.text
    # the lines tesseract was sure of are its own reading, word for word
    sure = [line for line in alone.lines if line.confidence >= DOUBT_BELOW]
    assert {line.text for line in sure} >= {"建档立卡贫困户申请书", "户主姓名:梁强保"}
    for line in sure:
        assert by_text[line.text].engine == TESSERACT
    assert {line.engine for line in result.lines} == {TESSERACT, REC}
    assert [x["text"] for x in lines_read_again(result)] == RARE


def test_a_page_without_doubt_is_tesseracts_alone() -> None:
    page = render_lines(PLAIN, pt=8)
    result = ocr_image(page, "scan", get_engine("hybrid"))
    assert result == ocr_image(page, "scan", get_engine("tesseract"))
    assert result.engine == TESSERACT
    assert {line.engine for line in result.lines} == {TESSERACT}
    assert lines_read_again(result) == ()


def test_traditional_lines_are_read_again_in_traditional() -> None:
    result = ocr_image(render_lines(TRADITIONAL, face=TC), "scan", get_engine("hybrid"))
    assert result.engine.startswith("tesseract:chi_tra")
    again = [line.text for line in result.lines if line.engine == REC]
    assert again and set(again) <= set(TRADITIONAL)


def test_the_pipeline_keeps_the_engine_of_each_line(arc) -> None:
    png = encode(render_lines(RARE + PLAIN, pt=8), "PNG", dpi=(300, 300))
    receive_stream(arc, io.BytesIO(png), "扶持措施.png", actor="t")
    work(arc.settings.home, until_idle=True, engine="hybrid")
    with arc.db.read() as session:
        page = session.scalars(select(Page)).one()
    assert page.engine == f"{TESSERACT}+{REC}"
    assert "牦牛" in page.text and "鳜鱼" in page.text
    assert [line["text"] for line in page.reread] == RARE
    assert {line["engine"] for line in page.reread} == {REC}
    for line in page.reread:
        left, top, right, bottom = line["box"]
        assert 0 <= left < right and 0 <= top < bottom
        assert line["confidence"] >= 0.5


def test_a_missing_recognition_model_stops_the_engine(monkeypatch) -> None:
    from dangan.ingest.ocr import OcrEngineError, rapid

    monkeypatch.setitem(rapid.MODEL_FILES, "Rec.model_path", "no-such-model.onnx")
    with pytest.raises(OcrEngineError, match=r"no-such-model\.onnx"):
        rapid.LineRecognizer()
