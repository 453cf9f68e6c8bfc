"""Transfer packages: written, validated by bagit, and refused by `transfer verify` for
each kind of damage, naming the item; an office file or a HEIC photo travels with its
rendition, the copy held to the whitelist."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import bagit
import pytest
from lxml import etree
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.archive.catalog import build_catalog
from dangan.archive.filing import file_document
from dangan.archive.models import CheckResult, Document, JournalEvent
from dangan.archive.queries import resolve_village
from dangan.archive.roster import import_roster
from dangan.archive.store import hash_file
from dangan.cli.main import app
from dangan.ingest.receive import receive_paths
from dangan.ingest.worker import work
from dangan.retention.transfer import NS, export, verify
from tests import factories
from tests.conftest import DATA
from tests.office_files import INCOME_PHOTO, heic_bytes, ofd_bytes, word97_bytes


@pytest.fixture
def package(arc, tmp_path):  # type: ignore[no-untyped-def]
    with arc.db.write() as session:
        v = factories.village(session, arc)
        h = factories.household(session, v)
        for doc_type in ("H01", "H07", "V02"):
            doc = factories.document(
                session,
                arc,
                village_row=v,
                household_row=None if doc_type == "V02" else h,
                doc_type=doc_type,
            )
            doc.pages = 1
            file_document(session, doc, arc.scheme, actor="t", store=arc.store)
    out = tmp_path / "pkg"
    with arc.db.write() as session:
        done = export(arc, session, resolve_village(session, "003"), 2018, out, actor="t")
    assert done.items == 3 and not done.failures
    return out


def _failures(folder):  # type: ignore[no-untyped-def]
    return [(r.code, r.archival_code, r.message) for r in verify(folder) if r.failed]


def test_written_package_is_a_valid_bag_and_passes(arc, package):
    bag = bagit.Bag(str(package))
    bag.validate()
    assert "sha256" in bag.algorithms
    data = package / "data"
    assert len(list((data / "metadata").glob("*.xml"))) == 3
    assert (data / "catalog" / "归档文件目录.xlsx").is_file()
    assert (data / "电子文件移交接收登记表.pdf").is_file()
    assert _failures(package) == []
    with arc.db.read() as session:
        rows = [r for _, _, r in build_catalog(session, arc.scheme).rows()]
        assert {r.remarks for r in rows} == {"已移交"}
        assert session.query(JournalEvent).filter_by(action="transfer.export").count() == 1
        assert session.query(CheckResult).filter_by(stage="transfer").count() > 0
    result = CliRunner().invoke(app, ["transfer", "verify", str(package), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["failures"] == []


def _one_original(package):  # type: ignore[no-untyped-def]
    return sorted((package / "data" / "originals").iterdir())[0]


def test_a_flipped_byte_fails_naming_the_item(package):
    original = _one_original(package)
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0x01
    original.write_bytes(bytes(data))
    failures = _failures(package)
    assert ("1-1", original.stem) in {(c, item) for c, item, _ in failures}
    result = CliRunner().invoke(app, ["transfer", "verify", str(package)])
    assert result.exit_code == 1 and original.stem in result.stdout


def test_a_missing_file_fails_naming_the_item(package):
    original = _one_original(package)
    original.unlink()
    codes = {(c, item) for c, item, _ in _failures(package)}
    assert ("2-3", original.stem) in codes


def test_an_extra_file_fails(package):
    (package / "data" / "originals" / "Z105-FP·2018-Y-003·017-0099.pdf").write_bytes(b"%PDF-1.4")
    codes = {(c, item) for c, item, _ in _failures(package)}
    assert ("4-3", "Z105-FP·2018-Y-003·017-0099") in codes


def test_a_malformed_metadata_xml_fails_naming_the_item(package):
    xml = sorted((package / "data" / "metadata").iterdir())[0]
    xml.write_text(xml.read_text(encoding="utf-8").replace("<题名>", "<题名><b>"), encoding="utf-8")
    codes = {(c, item) for c, item, _ in _failures(package)}
    assert ("1-4", xml.stem) in codes


def test_a_catalog_row_without_a_file_fails(package):
    original = _one_original(package)
    code = original.stem
    for folder, suffix in (("originals", original.suffix), ("metadata", ".xml"), ("text", ".txt")):
        (package / "data" / folder / f"{code}{suffix}").unlink()
    # the catalog still lists the item
    codes = {(c, item) for c, item, _ in _failures(package)}
    assert ("2-3", code) in codes


# ------------------------------------------------------------------ office files

# papers of 白沙村 (village 001 of tests/data/roster.xlsx), as its office has them
OFFICE_FILES = {
    "王建国申请书.doc": lambda: word97_bytes(
        [
            "贫困户申请书",
            "申请人: 王建国",
            "身份证号: 411081196203150010",
            "本人因病致贫，申请纳入建档立卡贫困户，请予审核。",
            "2016年3月1日",
        ]
    ),
    "IMG_0001.heic": lambda: heic_bytes(INCOME_PHOTO, dt.datetime(2018, 12, 1, 10, 0)),
    "张秀英明白卡.ofd": lambda: ofd_bytes(
        [
            [
                "享受政策明白卡",
                "户主: 张秀英",
                "身份证号: 411081195807200029",
                "所在村: 白沙村",
                "享受政策: 产业扶持 800元",
                "2018年5月1日",
            ]
        ]
    ),
}


@pytest.fixture
def office_package(arc, tmp_path):  # type: ignore[no-untyped-def]
    """白沙村's .doc, HEIC photo and OFD, ingested and filed by the real pipeline, then
    exported: (the package, {original name: 档号})."""
    folder = tmp_path / "office"
    folder.mkdir()
    for name, make in OFFICE_FILES.items():
        (folder / name).write_bytes(make())
    with arc.db.write() as session:
        import_roster(session, arc.township(session), DATA / "roster.xlsx", actor="t")
    receive_paths(arc, sorted(folder.iterdir()), actor="t")
    work(arc.settings.home, until_idle=True)
    with arc.db.read() as session:
        docs = session.scalars(select(Document)).all()
        assert {d.status for d in docs} == {"filed"}, [
            (d.file.original_name, d.status) for d in docs
        ]
        codes = {d.file.original_name: d.archival_code for d in docs}
    out = tmp_path / "pkg"
    with arc.db.write() as session:
        done = export(arc, session, resolve_village(session, "001"), None, out, actor="t")
    assert done.items == 3 and not done.failures, done.failures
    return out, codes


def _item_xml(package: Path, code: str):  # type: ignore[no-untyped-def]
    tree = etree.parse(str(package / "data" / "metadata" / f"{code}.xml"))
    return lambda path: tree.findtext(path, namespaces={"d": NS})


def test_an_office_file_travels_as_received_beside_its_rendition(arc, office_package):  # type: ignore[no-untyped-def]
    package, codes = office_package
    bagit.Bag(str(package)).validate()
    data = package / "data"
    doc, photo, ofd = codes["王建国申请书.doc"], codes["IMG_0001.heic"], codes["张秀英明白卡.ofd"]
    assert sorted(p.name for p in (data / "originals").iterdir()) == sorted(
        [f"{doc}.doc", f"{photo}.heic", f"{ofd}.ofd"]
    )
    # OFD is on the whitelist: it travels alone
    assert sorted(p.name for p in (data / "renditions").iterdir()) == sorted(
        [f"{doc}.pdf", f"{photo}.jpg"]
    )
    for code, original, rendition, kinds in (
        (doc, f"{doc}.doc", f"{doc}.pdf", ("pdf", "doc")),
        (photo, f"{photo}.heic", f"{photo}.jpg", ("jpeg", "heic")),
    ):
        field = _item_xml(package, code)
        kept = data / "renditions" / rendition
        # the archival format is the rendition's; the original is named beside it
        assert field("d:电子属性/d:计算机文件名") == f"renditions/{rendition}"
        assert field("d:电子属性/d:格式") == kinds[0]
        assert field("d:电子属性/d:计算机文件大小") == str(kept.stat().st_size)
        assert field("d:电子属性/d:摘要") == hash_file(kept)
        assert field("d:电子属性/d:原件/d:计算机文件名") == f"originals/{original}"
        assert field("d:电子属性/d:原件/d:格式") == kinds[1]
        assert field("d:电子属性/d:原件/d:摘要") == hash_file(data / "originals" / original)
    field = _item_xml(package, ofd)
    assert field("d:电子属性/d:计算机文件名") == f"originals/{ofd}.ofd"
    assert field("d:电子属性/d:格式") == "ofd" and field("d:电子属性/d:原件") is None
    # the originals are the files received, byte for byte
    with arc.db.read() as session:
        for doc_row in session.scalars(select(Document)):
            suffix = Path(doc_row.file.original_name).suffix
            sent = data / "originals" / f"{doc_row.archival_code}{suffix}"
            assert hash_file(sent) == doc_row.file.sha256
    payload = [p for folder in ("originals", "renditions") for p in (data / folder).iterdir()]
    assert bagit.Bag(str(package)).info["Dangan-Item-Bytes"] == str(
        sum(p.stat().st_size for p in payload)
    )
    assert verify(package) == [r for r in verify(package) if r.outcome == "unchecked"]
    result = CliRunner().invoke(app, ["transfer", "verify", str(package), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["failures"] == []
    with arc.db.read() as session:
        whitelist = session.scalars(
            select(CheckResult).where(CheckResult.stage == "transfer", CheckResult.code == "3-2")
        ).all()
        assert len(whitelist) == 3 and {r.outcome for r in whitelist} == {"passed"}


def test_a_missing_or_altered_rendition_or_original_fails_naming_the_item(office_package, tmp_path):  # type: ignore[no-untyped-def]
    package, codes = office_package
    code = codes["王建国申请书.doc"]

    def damaged(name: str, damage) -> list[tuple[str, str | None, str]]:  # type: ignore[no-untyped-def]
        copy = tmp_path / name
        shutil.copytree(package, copy)
        damage(copy / "data")
        return _failures(copy)

    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))

    missing = damaged("missing", lambda d: (d / "renditions" / f"{code}.pdf").unlink())
    assert (
        "2-3",
        code,
        f"renditions/{code}.pdf: 元数据所指的存档副本(原件的转换副本)缺失",
    ) in missing
    # and the package's byte count, which no item names
    assert {item for _, item, _ in missing} == {code, None}

    altered = damaged("altered", lambda d: flip(d / "renditions" / f"{code}.pdf"))
    assert (
        "1-1",
        code,
        f"renditions/{code}.pdf: 存档副本(原件的转换副本)的 SHA-256 与元数据中的摘要不符",
    ) in altered
    assert {item for _, item, _ in altered} == {code}

    original = damaged("original", lambda d: flip(d / "originals" / f"{code}.doc"))
    assert (
        "1-1",
        code,
        f"originals/{code}.doc: 原件的 SHA-256 与元数据中的摘要不符",
    ) in original
    gone = damaged("gone", lambda d: (d / "originals" / f"{code}.doc").unlink())
    assert ("2-3", code, f"originals/{code}.doc: 元数据所指的原件缺失") in gone
    result = CliRunner().invoke(app, ["transfer", "verify", str(tmp_path / "missing")])
    assert result.exit_code == 1 and f"renditions/{code}.pdf: 元数据所指的存档副本" in result.stdout
