"""The formats a village office has: .doc and .wps, .xls, .xlsx and .et ledgers, OFD and HEIC,
each made for real in the test (tests/office_files.py), read with the real LibreOffice,
openpyxl and pillow-heif, and kept as the original with a rendition the browser shows."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from dangan.archive.models import CheckResult, Document, StoredFile
from dangan.archive.renditions import rendition_of
from dangan.archive.roster import import_roster
from dangan.ingest.exceptions import ConversionFailed
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from dangan.ingest.office import convert
from dangan.ingest.receive import receive_paths
from dangan.ingest.sniff import sniff_file
from dangan.ingest.worker import work
from dangan.web.images import page_numbers, page_png
from tests.conftest import DATA
from tests.office_files import (
    INCOME_PHOTO,
    excel97_bytes,
    heic_bytes,
    ofd_bytes,
    word97_bytes,
    xlsx_bytes,
)

WANG, ZHANG, ZHAO = "411081196203150010", "411081195807200029", "411081196501020046"
APPLICATION = [
    "贫困户申请书",
    "申请人: 王建国",
    f"身份证号: {WANG}",
    "本人因病致贫，申请纳入建档立卡贫困户，请予审核。",
    "2016年3月1日",
]
PAIRING = [
    "结对帮扶登记表",
    "户主姓名: 张秀英",
    f"身份证号: {ZHANG}",
    "帮扶责任人: 李明",
    "填表日期: 2016年3月2日",
]
INDUSTRY = {
    "产业扶持": [
        ["白沙村2018年产业扶持台账"],
        ["户编号", "户主", "身份证号", "扶持项目", "金额(元)", "发放日期"],
        ["001", "王建国", WANG, "养鸡50只", 1200, dt.datetime(2018, 3, 5)],
        ["002", "张秀英", ZHANG, "种植花椒", 800.0, dt.datetime(2018, 4, 10)],
    ],
    "汇总": [["合计", None, 2000]],
}
SCHOOL = {
    "教育资助": [
        ["白沙村2018年教育资助台账"],
        ["户编号", "户主", "学生", "学段", "资助金额(元)", "发放日期"],
        ["003", "刘志强", "刘小军", "高中", 2000, dt.datetime(2018, 9, 1)],
    ]
}
HOUSING = {
    "危房改造": [
        ["柳树村2018年危房改造台账"],
        ["户编号", "户主", "改造方式", "补助(元)", "竣工日期"],
        ["001", "赵桂兰", "维修加固", 15000, dt.datetime(2018, 10, 20)],
    ]
}
POLICY_CARD = [
    "享受政策明白卡",
    "户主: 赵桂兰",
    f"身份证号: {ZHAO}",
    "所在村: 柳树村",
    "享受政策: 危房改造补助 15000元",
    "2018年5月1日",
]
TAKEN = dt.datetime(2018, 12, 1, 10, 0)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file of each new format, as an office's folder holds them."""
    folder = tmp_path_factory.mktemp("office")
    (folder / "王建国申请书.doc").write_bytes(word97_bytes(APPLICATION))
    # WPS text is saved in Word 97's format: see tests/office_files.py
    (folder / "张秀英结对帮扶登记表.wps").write_bytes(word97_bytes(PAIRING))
    (folder / "产业扶持台账.xlsx").write_bytes(xlsx_bytes(INDUSTRY))
    (folder / "教育资助台账.xls").write_bytes(excel97_bytes(SCHOOL))
    (folder / "危房改造台账.et").write_bytes(excel97_bytes(HOUSING))
    (folder / "赵桂兰明白卡.ofd").write_bytes(ofd_bytes([POLICY_CARD]))
    (folder / "IMG_0001.heic").write_bytes(heic_bytes(INCOME_PHOTO, TAKEN))
    return folder


KINDS = {
    "王建国申请书.doc": "doc",
    "张秀英结对帮扶登记表.wps": "doc",
    "产业扶持台账.xlsx": "xlsx",
    "教育资助台账.xls": "xls",
    "危房改造台账.et": "xls",
    "赵桂兰明白卡.ofd": "ofd",
    "IMG_0001.heic": "heic",
}


def _read(path: Path, name: str | None = None):  # type: ignore[no-untyped-def]
    name = name or path.name
    return extract(path, name, sniff_file(path, name), get_engine("tesseract"), Limits())


def test_each_format_is_known_by_its_content_not_its_name(office: Path) -> None:
    for name, kind in KINDS.items():
        assert sniff_file(office / name, name) == kind
        assert sniff_file(office / name, "扫描件.pdf") == kind


def test_a_word_97_file_is_read_through_its_libreoffice_pdf(office: Path) -> None:
    result = _read(office / "王建国申请书.doc")
    assert [p.method for p in result.pages] == ["text"]
    lines = [line.strip() for line in result.pages[0].text.splitlines()]
    assert lines[:3] == APPLICATION[:3]
    assert result.metadata["format"] == "doc" and result.rendition is not None
    assert result.rendition.kind == "pdf"
    reader = PdfReader(io.BytesIO(result.rendition.data))
    assert len(reader.pages) == 1 and "王建国" in reader.pages[0].extract_text()


def test_a_ledger_is_read_cell_by_cell_a_row_a_line(office: Path) -> None:
    result = _read(office / "产业扶持台账.xlsx")
    assert [p.method for p in result.pages] == ["sheet"]
    assert result.pages[0].text.split("\n") == [
        "【产业扶持】",
        "白沙村2018年产业扶持台账",
        "户编号\t户主\t身份证号\t扶持项目\t金额(元)\t发放日期",
        f"001\t王建国\t{WANG}\t养鸡50只\t1200\t2018年3月5日",
        f"002\t张秀英\t{ZHANG}\t种植花椒\t800\t2018年4月10日",
        "",
        "【汇总】",
        "合计\t\t2000",
    ]
    assert result.metadata["sheets"] == ["产业扶持", "汇总"]
    assert result.rendition is not None and result.rendition.kind == "pdf"
    assert result.metadata["rendition_pages"] == len(
        PdfReader(io.BytesIO(result.rendition.data)).pages
    )


@pytest.mark.parametrize("name", ["教育资助台账.xls", "危房改造台账.et"])
def test_an_excel_97_or_wps_ledger_is_read_cell_by_cell(office: Path, name: str) -> None:
    result = _read(office / name)
    sheet = SCHOOL if name.endswith(".xls") else HOUSING
    [(title, rows)] = sheet.items()
    lines = result.pages[0].text.split("\n")
    assert lines[:3] == [f"【{title}】", rows[0][0], "\t".join(rows[1])]
    when = rows[2][-1]
    assert lines[3].endswith(f"\t{when.year}年{when.month}月{when.day}日")
    assert result.metadata["format"] == "xls" and result.rendition.kind == "pdf"


def test_ofd_text_is_read_page_by_page_in_reading_order(tmp_path: Path) -> None:
    path = tmp_path / "通知.ofd"
    path.write_bytes(ofd_bytes([POLICY_CARD, ["第二页", "附件: 政策清单"]]))
    result = _read(path)
    assert [p.text.split("\n") for p in result.pages] == [POLICY_CARD, ["第二页", "附件: 政策清单"]]
    assert {p.method for p in result.pages} == {"ofd"} and result.rendition is None
    assert result.metadata["title"] == "测试" and result.metadata["page_count"] == 2


def test_ofd_runs_are_ordered_by_position_and_templates_read_too(tmp_path: Path) -> None:
    """Producers write text objects in any order, split lines into runs, and put the
    letterhead on a template page; paths may be absolute within the package."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    members = {
        "OFD.xml": f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot>"
        "</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {ns}><ofd:CommonData>"
        '<ofd:TemplatePage ID="9" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
        '<ofd:Pages><ofd:Page ID="1" BaseLoc="/Doc_0/Pages/Page_0/Content.xml"/></ofd:Pages>'
        "</ofd:Document>",
        "Doc_0/Tpls/Tpl_0/Content.xml": f"<ofd:Page {ns}><ofd:Content><ofd:Layer>"
        '<ofd:TextObject Boundary="40 10 100 10" Size="7"><ofd:TextCode X="0" Y="7">'
        "桑村镇人民政府文件</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
        "Doc_0/Pages/Page_0/Content.xml": f"<ofd:Page {ns}>"
        '<ofd:Template TemplateID="9"/><ofd:Content><ofd:Layer>'
        '<ofd:TextObject Boundary="20 40 30 6" Size="4"><ofd:TextCode X="0" Y="4">户主</ofd:TextCode>'
        "</ofd:TextObject>"
        '<ofd:TextObject Boundary="60 40 30 6" Size="4"><ofd:TextCode X="0" Y="4">王建国</ofd:TextCode>'
        "</ofd:TextObject>"
        '<ofd:PageBlock><ofd:TextObject Boundary="20 25 80 6" Size="4"><ofd:TextCode X="0" Y="4">'
        "桑政发〔2018〕30号</ofd:TextCode></ofd:TextObject></ofd:PageBlock>"
        "</ofd:Layer></ofd:Content></ofd:Page>",
    }
    path = tmp_path / "文件.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    [page] = _read(path).pages
    assert page.text.split("\n") == ["桑村镇人民政府文件", "桑政发〔2018〕30号", "户主\t王建国"]


def test_a_heic_photo_keeps_its_exif_and_is_read_as_a_photo(office: Path) -> None:
    result = _read(office / "IMG_0001.heic")
    assert result.metadata["format"] == "heic"
    assert result.metadata["image_kind"] == "photo" and result.metadata["model"] == "iPhone 12"
    assert dt.datetime.fromisoformat(result.metadata["date_taken"]) == TAKEN
    assert [p.method for p in result.pages] == ["ocr"]
    assert "年度收入调查表" in result.pages[0].text and "刘志强" in result.pages[0].text
    assert result.rendition is not None and result.rendition.kind == "jpeg"
    with Image.open(io.BytesIO(result.rendition.data)) as jpeg:
        assert jpeg.format == "JPEG"
        assert jpeg.getexif().get_ifd(0x8769)[0x9003] == "2018:12:01 10:00:00"


def test_two_workers_convert_at_once(office: Path, tmp_path: Path) -> None:
    """Each conversion has its own LibreOffice profile: two at once both finish."""
    sources = [office / "王建国申请书.doc", office / "张秀英结对帮扶登记表.wps"]
    out: dict[int, bytes | Exception] = {}

    def run(i: int) -> None:
        try:
            out[i] = convert(sources[i], "doc", "pdf", sources[i].name)
        except Exception as err:  # reported below with the other thread's result
            out[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [PdfReader(io.BytesIO(out[i])).pages[0].extract_text() for i in range(2)]  # type: ignore[arg-type]
    assert "王建国" in texts[0] and "张秀英" in texts[1]


def test_a_conversion_over_its_time_is_stopped_with_a_clear_error(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DANGAN_OFFICE_TIMEOUT", "0.05")
    with pytest.raises(ConversionFailed) as info:
        convert(office / "王建国申请书.doc", "doc", "pdf", "王建国申请书.doc")
    assert str(info.value).startswith("王建国申请书.doc: LibreOffice 转换超时")


def _damaged_word97(office: Path, path: Path) -> None:
    """A Word 97 file whose directory is sound but whose text stream is zeros."""
    import olefile

    path.write_bytes((office / "王建国申请书.doc").read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        ole.write_stream("WordDocument", b"\x00" * ole.get_size("WordDocument"))


def test_bad_files_of_each_kind_fail_with_the_reason_and_are_kept(
    arc, office: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad"
    bad.mkdir()
    _damaged_word97(office, bad / "损坏的申请书.doc")
    whole = (office / "王建国申请书.doc").read_bytes()
    (bad / "半截的申请书.doc").write_bytes(whole[: len(whole) // 2])
    (bad / "缺页的通知.ofd").write_bytes(
        ofd_bytes([POLICY_CARD], leave_out="Doc_0/Pages/Page_0/Content.xml")
    )
    photo = (office / "IMG_0001.heic").read_bytes()
    (bad / "IMG_0002.heic").write_bytes(photo[: len(photo) // 2])
    xlsx = xlsx_bytes(SCHOOL)
    (bad / "坏台账.xlsx").write_bytes(
        xlsx.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml")
    )
    received = receive_paths(arc, [bad], actor="t")
    work(arc.settings.home, until_idle=True)
    expected = {
        "损坏的申请书.doc": "LibreOffice 无法打开或转换此文件",
        "半截的申请书.doc": "Office 文档 (OLE 复合文件) 已损坏或不完整",
        "缺页的通知.ofd": "OFD 文件缺少第 1 页的页面内容 (Doc_0/Pages/Page_0/Content.xml)",
        "IMG_0002.heic": "图片文件不完整 (数据被截断",
        "坏台账.xlsx": "Excel 表格已损坏",
    }
    with arc.db.read() as session:
        for got in received:
            doc = session.get(Document, got.document_id)
            assert doc.status == "failed", (got.name, doc.status)
            assert doc.error.startswith(f"{got.name}: ") and expected[got.name] in doc.error
            # nothing lost: the upload is kept as it came
            assert arc.store.path(doc.file.sha256).read_bytes() == (bad / got.name).read_bytes()


def test_dangan_ingest_of_one_file_of_each_format_files_them_with_text(arc, office: Path) -> None:  # type: ignore[no-untyped-def]
    """The issue's "done when": `dangan ingest` of a folder holding one file of each new
    format files them with text, each shown from a whitelisted copy beside its original."""
    with arc.db.write() as session:
        import_roster(session, arc.township(session), DATA / "roster.xlsx", actor="t")
    exe = Path(sys.executable).with_name("dangan")
    env = {**os.environ, "DANGAN_HOME": str(arc.settings.home)}
    run = subprocess.run(
        [str(exe), "ingest", str(office), "--wait", "--workers", "2", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"] == {"queued": 7, "duplicate": 0, "failed": 0}
    want = {
        "王建国申请书.doc": ("H01", "王建国", "pdf"),
        "张秀英结对帮扶登记表.wps": ("H08", "张秀英", "pdf"),
        "产业扶持台账.xlsx": ("V07", None, "pdf"),
        "教育资助台账.xls": ("V07", None, "pdf"),
        "危房改造台账.et": ("V07", None, "pdf"),
        "赵桂兰明白卡.ofd": ("H10", "赵桂兰", None),
        "IMG_0001.heic": ("H11", "刘志强", "jpeg"),
    }
    with arc.db.read() as session:
        docs = session.scalars(select(Document)).all()
        assert sorted(d.file.original_name for d in docs) == sorted(want)
        for doc in docs:
            name = doc.file.original_name
            doc_type, head, rendition_kind = want[name]
            assert doc.status == "filed", (name, doc.status, doc.review_reasons, doc.error)
            assert doc.archival_code and doc.doc_type == doc_type, name
            assert (doc.household.head_name if doc.household else None) == head, name
            text = "\n".join(p.text for p in doc.page_rows)
            assert meaningful(text) >= 20, (name, text)
            assert doc.file.media_type == KINDS[name]
            rendition = rendition_of(session, doc.file)
            assert (rendition.media_type if rendition else None) == rendition_kind, name
            whitelist = session.scalar(
                select(CheckResult)
                .where(CheckResult.document_id == doc.id)
                .where(CheckResult.code == "3-2")
            )
            assert whitelist.outcome == "passed", (name, whitelist.message)
            if rendition is not None:
                assert arc.store.verify(rendition.sha256)
                assert rendition.derived_from_id == doc.file_id
                assert page_numbers(doc) and page_png(arc, doc, 1).stat().st_size > 0
        # the originals are kept as they came
        for doc in docs:
            assert (
                arc.store.path(doc.file.sha256).read_bytes()
                == (office / doc.file.original_name).read_bytes()
            )
        assert session.scalars(select(StoredFile).where(StoredFile.role == "rendition")).all()


def meaningful(text: str) -> int:
    from dangan.ingest.extract import meaningful_chars

    return meaningful_chars(text)


def test_an_item_extracted_again_keeps_its_first_rendition(arc, office: Path) -> None:  # type: ignore[no-untyped-def]
    """LibreOffice's PDF differs from run to run (its creation date): a second extraction
    of an item in review leaves the rendition it was shown and checked with."""
    from dangan.ingest.queue import SLOW_QUEUE, enqueue

    [got] = receive_paths(arc, [office / "王建国申请书.doc"], actor="t")
    work(arc.settings.home, until_idle=True)
    with arc.db.write() as session:
        doc = session.get(Document, got.document_id)
        assert doc.status == "needs_review"  # no roster: whose it is, is not known
        first = rendition_of(session, doc.file).sha256
        enqueue(session, "extract", document_id=doc.id, queue=SLOW_QUEUE)
    work(arc.settings.home, until_idle=True)
    with arc.db.read() as session:
        doc = session.get(Document, got.document_id)
        assert doc.page_rows and "王建国" in doc.page_rows[0].text
        kept = session.scalars(select(StoredFile).where(StoredFile.role == "rendition")).all()
        assert [f.sha256 for f in kept] == [first]
    blobs = [
        p for p in (arc.settings.home / "store").rglob("*") if p.is_file() and len(p.name) == 64
    ]
    assert len(blobs) == 2  # the original and its one rendition
