"""SIGNATURE_MISSING end to end: a scanned form read by the real pipeline, its blank
field reported with the field's crop as evidence, the crop served to those who may see
the item and to no one else."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from dangan.archive.context import Archive
from dangan.audit.run import run_audit
from dangan.audit.settings import load_settings
from dangan.ingest.receive import Hints, check_hints, receive_stream
from dangan.ingest.worker import work
from dangan.web.app import create_app
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)
from tests.pages import DPI, FONT, SC

PX = round(12 * DPI / 72)


def manual_page(head_signs: bool) -> bytes:
    """The last page of a 扶贫手册 as scanned: the helper signed, the head maybe not."""
    font = ImageFont.truetype(FONT, PX, index=SC)
    hand = ImageFont.truetype(FONT, round(PX * 1.2), index=SC)
    image = Image.new("RGB", (2480, 1100), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(["贫困户扶贫手册", "户主姓名：王建国", "六、帮扶成效 2018年 脱贫"]):
        draw.text((150, 150 + i * 110), line, font=font, fill=(20, 20, 20))
    y = 150 + 4 * 110
    draw.text((150, y), "帮扶责任人签字：", font=font, fill=(20, 20, 20))
    draw.text((150 + 8 * PX + 25, y - 6), "李德兴", font=hand, fill=(30, 40, 120))
    draw.text((1350, y), "户主签字：", font=font, fill=(20, 20, 20))
    if head_signs:
        draw.text((1350 + 5 * PX + 25, y - 6), "王建国", font=hand, fill=(30, 40, 120))
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def ingest(arc: Archive, head_signs: bool) -> int:
    [got] = receive_stream(
        arc,
        io.BytesIO(manual_page(head_signs)),
        "扶贫手册.png",
        actor="t",
        extra=check_hints(arc, Hints(village="003", household="017")),
    )
    work(arc.settings.home, until_idle=True)
    return got.document_id


def findings(arc: Archive) -> list[dict]:
    with arc.db.read() as session:
        return run_audit(session, arc.scheme, load_settings(), rules=["SIGNATURE_MISSING"])[
            "findings"
        ]


def test_an_unsigned_field_is_reported_with_its_crop(arc: Archive) -> None:
    world = w.build(arc)
    document_id = ingest(arc, head_signs=False)
    (found,) = findings(arc)
    assert found["household_no"] == "017" and found["severity"] == "error"
    assert "户主签字" in found["message"]
    (evidence,) = found["evidence"]
    assert evidence["document_id"] == document_id and evidence["page"] == 1
    app = create_app(arc)
    inspector = TestClient(app, headers={"Authorization": f"Bearer {world.tokens['inspector']}"})
    got = inspector.get(evidence["image"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    crop = Image.open(io.BytesIO(got.content))
    assert crop.width > crop.height  # the label and the field beside it
    other = TestClient(app, headers={"Authorization": f"Bearer {world.tokens['archivist4']}"})
    assert other.get(evidence["image"]).status_code == 403
    assert inspector.get(f"/api/docs/{document_id}/signatures/9").status_code == 404
    page = inspector.get("/audit", params={"rule": "SIGNATURE_MISSING"})
    assert f'<img class="crop" src="{evidence["image"]}"' in page.text


def test_a_signed_form_reports_nothing(arc: Archive) -> None:
    w.build(arc)
    ingest(arc, head_signs=True)
    assert findings(arc) == []


def test_printed_reports_show_the_crop(arc: Archive, tmp_path) -> None:
    import docx
    from pypdf import PdfReader

    from dangan.audit.evidence_images import with_signature_crops
    from dangan.audit.reports import write_report

    w.build(arc)
    ingest(arc, head_signs=False)
    with arc.db.read() as session:
        report = run_audit(session, arc.scheme, load_settings(), rules=["SIGNATURE_MISSING"])
        pictured = with_signature_crops(session, arc.store, report)
    assert "png" not in report["findings"][0]["evidence"][0]  # the JSON stays text
    html = write_report(pictured, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 1
    assert len(docx.Document(write_report(pictured, tmp_path / "r.docx")).inline_shapes) == 1
    pdf = PdfReader(write_report(pictured, tmp_path / "r.pdf"))
    # WeasyPrint lists a picture among every page's resources: count pictures, not pages
    assert len({image.name for page in pdf.pages for image in page.images}) == 1
