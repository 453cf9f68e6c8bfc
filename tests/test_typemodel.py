"""The learned type model: saved where every worker can load it, retrained safely."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dangan.archive.models import Page
from dangan.ingest.typemodel import MIN_SAMPLES, load, model_dir, retrain
from tests import factories

TEXTS = {
    "H01": "贫困户申请书 本人申请纳入建档立卡贫困户 请予审核 申请人",
    "H02": "贫困户入户调查表 家庭人口 劳动力 耕地面积 住房情况 调查人签字",
}


def test_workers_retraining_at_once_leave_one_whole_model(arc) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        for i in range(MIN_SAMPLES + 4):
            doc_type = "H01" if i % 2 else "H02"
            doc = factories.document(
                session, arc, village_row=village, household_row=None, doc_type=doc_type
            )
            doc.status = "filed"
            session.add(Page(document=doc, page_no=1, text=f"{TEXTS[doc_type]} {i}"))
    # every worker retrains when corrections pile up; they used to share one temporary
    # file name, and the slower one's rename failed
    with ThreadPoolExecutor(max_workers=4) as pool:
        models = list(pool.map(lambda _: retrain(arc), range(12)))
    assert all(m is not None and m.samples == MIN_SAMPLES + 4 for m in models)
    saved = load(arc)
    assert saved is not None and saved.samples == MIN_SAMPLES + 4
    assert saved.predict("入户调查表 耕地面积 住房情况")[0] == "H02"
    assert sorted(p.name for p in model_dir(arc).iterdir()) == ["doctype.joblib", "doctype.json"]
