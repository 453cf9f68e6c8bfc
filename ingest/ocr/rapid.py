"""RapidOCR 3.x (PP-OCR models on onnxruntime): the high-accuracy engine, and its
recognition model alone (`LineRecognizer`), which reads again the lines tesseract doubted.

Only the models shipped inside the `rapidocr` wheel are used, by explicit path: if one is
missing the engine refuses to start rather than let rapidocr download it. One thread per
worker process (the pool already runs one worker per core). One model reads Simplified
and Traditional text alike, so `traditional` is ignored. The older `rapidocr-onnxruntime`
package is not supported: its model drops Traditional characters.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PIL import Image

from dangan.ingest.ocr.base import OcrEngineError, OcrResult
from dangan.ingest.ocr.layout import TextLine, reading_order
from dangan.ingest.ocr.script import looks_traditional
from dangan.ingest.ocr.vocabulary import Vocabulary
from dangan.ingest.ocr.words import is_cjk

MODEL_FILES = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


def _bundled_models(keys: tuple[str, ...] = tuple(MODEL_FILES)) -> dict[str, str]:
    try:
        import rapidocr
    except ImportError as err:
        raise OcrEngineError(
            "未安装 RapidOCR：请安装 rapidocr>=3 与 onnxruntime，或改用 tesseract"
        ) from err
    version = getattr(rapidocr, "__version__", "") or ""
    if version and int(version.split(".")[0]) < 3:
        raise OcrEngineError(f"RapidOCR 版本 {version} 过旧：需要 3.x")
    root = Path(rapidocr.__file__).parent / "models"
    paths = {}
    for key in keys:
        path = root / MODEL_FILES[key]
        if not path.is_file():
            raise OcrEngineError(f"RapidOCR 模型文件缺失: {path} (不会联网下载)")
        paths[key] = str(path)
    return paths


def _rapidocr(params: dict[str, Any]) -> Any:
    """A RapidOCR on one thread, with `params` (bundled model paths and what to run)."""
    from rapidocr import RapidOCR

    try:  # OpenCV, used by RapidOCR for resizing, starts a thread per core otherwise
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            **params,
        }
    )


class RapidOcrEngine:
    name = "rapidocr"
    separate_traditional = False
    photo_max_upscale = 1.0
    line_reader = None

    def __init__(self) -> None:
        self.vocabulary: Vocabulary | None = None
        self._ocr = _rapidocr(_bundled_models())
        self._lock = threading.Lock()

    def recognize(self, image: Image.Image, traditional: bool, scan: bool = False) -> OcrResult:
        import numpy as np

        array = np.asarray(image.convert("RGB"))
        try:
            with self._lock:
                out = self._ocr(array)
        except Exception as err:  # onnxruntime raises its own exception types
            raise OcrEngineError(f"RapidOCR 出错: {err}") from err
        txts = list(getattr(out, "txts", None) or ())
        scores = [float(s) for s in (getattr(out, "scores", None) or ())]
        boxes = getattr(out, "boxes", None)
        if not txts:
            return OcrResult("", None, "rapidocr:PP-OCRv6")
        if self.vocabulary is not None:
            script = looks_traditional("".join(txts))
            txts = [
                self.vocabulary.mend(t, [s] * len(t), script)
                for t, s in zip(txts, scores, strict=False)
            ]
        lines = _lines(txts, boxes)
        cjk_words = tuple((t, s) for t, s in zip(txts, scores, strict=False) if any(map(is_cjk, t)))
        return OcrResult(
            text="\n".join(reading_order(lines) if lines else txts),
            confidence=round(sum(scores) / len(scores), 4) if scores else None,
            engine="rapidocr:PP-OCRv6",
            cjk_words=cjk_words,
            lines=tuple(lines),
        )


def _lines(txts: list[str], boxes: Any) -> list[TextLine]:
    """The text boxes with their places; none when the engine gave no box for each."""
    if boxes is None or len(boxes) != len(txts):
        return []
    lines = []
    for text, box in zip(txts, boxes, strict=True):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(TextLine(text, min(xs), min(ys), max(xs), max(ys)))
    return lines


class LineRecognizer:
    """PP-OCR's recognition model alone, on crops of single text lines: no detection,
    no direction classifier (the crops come from tesseract's line boxes, upright). The
    model is loaded once, when the engine is made (a blank crop read), so that a worker
    that cannot load it stops at once and no page's reading pays for loading it."""

    name = "rapidocr:PP-OCRv6-rec"

    def __init__(self) -> None:
        self._ocr = _rapidocr(
            {
                "Global.use_det": False,
                "Global.use_cls": False,
                **_bundled_models(("Rec.model_path",)),
            }
        )
        self._lock = threading.Lock()
        self.read([Image.new("RGB", (64, 32), "white")])

    def read(self, crops: list[Image.Image]) -> list[tuple[str, float]]:
        """(text, confidence 0.0-1.0) of each crop, in order."""
        import numpy as np

        out = []
        with self._lock:
            for crop in crops:
                try:
                    found = self._ocr(np.asarray(crop.convert("RGB")))
                except Exception as err:  # onnxruntime raises its own exception types
                    raise OcrEngineError(f"RapidOCR 出错: {err}") from err
                txts = list(getattr(found, "txts", None) or ("",))
                scores = list(getattr(found, "scores", None) or (0.0,))
                out.append((txts[0], float(scores[0])))
        return out
