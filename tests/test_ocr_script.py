"""Traditional text: detected from the text, or from a poor Simplified reading."""

from __future__ import annotations

from dangan.ingest.extract import ocr_image
from dangan.ingest.ocr import get_engine
from dangan.ingest.ocr.base import OcrResult
from dangan.ingest.ocr.script import (
    _has_traditional_form,
    looks_traditional,
    suspect_traditional,
    traditional_share,
)
from dangan.ingest.pages.preprocess import prepare_for_ocr
from tests.pages import SIMPLIFIED, TC, TRADITIONAL, cer, render_lines


def test_looks_traditional() -> None:
    assert looks_traditional("關於做好貧困戶動態管理工作的通知")
    assert not looks_traditional("关于做好贫困户动态管理工作的通知")
    assert not looks_traditional("")
    assert not looks_traditional("ID 4305 phone 139")
    # one stray Traditional character in a Simplified page is OCR noise, not a script
    assert not looks_traditional("家庭年人均纯收入低於国家扶贫标准，申请纳入建档立卡贫困户。")
    assert 0.3 < traditional_share("".join(TRADITIONAL)) < 0.6


def test_traditional_page_is_read_again_with_the_traditional_model() -> None:
    engine = get_engine("tesseract")
    page = render_lines(TRADITIONAL, face=TC)
    reference = "\n".join(TRADITIONAL)
    first = engine.recognize(prepare_for_ocr(page, "scan"), traditional=False)
    # chi_sim answers a Traditional page in Simplified characters, with low confidence
    assert not looks_traditional(first.text)
    assert suspect_traditional(first)
    result = ocr_image(page, "scan", engine)
    assert result.engine == "tesseract:chi_tra"
    assert looks_traditional(result.text)
    assert cer(reference, result.text) < 0.08 < cer(reference, first.text)


def test_simplified_page_is_read_once() -> None:
    result = ocr_image(render_lines(SIMPLIFIED), "scan", get_engine("tesseract"))
    assert result.engine == "tesseract:chi_sim"


def _reading(words: list[tuple[str, float]]) -> OcrResult:
    return OcrResult("".join(w for w, _ in words), 0.8, "tesseract:chi_sim", tuple(words))


VARIANT = "贫户发请书门认识"  # 貧 戶 發 請 書 門 認 識
PLAIN = "申人田土山中大小王五上下"


def test_doubt_on_characters_with_a_traditional_form_is_suspect() -> None:
    assert set(VARIANT) <= _has_traditional_form()
    assert not set(PLAIN) & _has_traditional_form()
    traditional_page = [(ch, 0.3) for ch in VARIANT] + [(ch, 0.9) for ch in PLAIN]
    assert suspect_traditional(_reading(traditional_page))
    # a noisy Simplified scan: as much doubt, but not on the characters Traditional changes
    noisy = [(ch, 0.9) for ch in VARIANT] + [
        (ch, 0.3 if i % 2 else 0.9) for i, ch in enumerate(PLAIN)
    ]
    assert not suspect_traditional(_reading(noisy))
    clean = [(ch, 0.9) for ch in VARIANT + PLAIN]
    assert not suspect_traditional(_reading(clean))


def test_a_page_whose_traditional_form_characters_read_surely_is_simplified() -> None:
    # an ID-card copy: its printed background leaves doubt everywhere, on characters
    # with a Traditional form too, yet most of those are read with full confidence
    sure_variants = [(ch, 0.95) for ch in VARIANT] + [(ch, 0.92) for ch in "户证号"]
    doubtful = [(ch, 0.4) for ch in "贫发书"] + [
        (ch, 0.4 if i % 3 else 0.9) for i, ch in enumerate(PLAIN)
    ]
    id_card = sure_variants + doubtful
    assert suspect_traditional(_reading(id_card)) is False
    # the same doubt with the Traditional-form characters mostly unsure is suspect
    unsure_variants = [(ch, 0.5) for ch in VARIANT] + [(ch, 0.92) for ch in "户证号"]
    assert suspect_traditional(_reading(unsure_variants + doubtful))


def test_a_copy_of_a_resident_id_card_is_not_read_again() -> None:
    # the card is printed in Simplified only; its background leaves the words in doubt
    doubtful = [(ch, 0.5) for ch in VARIANT] + [
        (ch, 0.4 if i % 2 else 0.9) for i, ch in enumerate(PLAIN)
    ]
    assert suspect_traditional(_reading(doubtful))
    card = [*doubtful, ("公民身份号码", 0.9), ("370406194008120034", 0.9)]
    assert not suspect_traditional(_reading(card))
