"""Transfer packages: written, validated by bagit, and refused by `transfer verify` for
each kind of damage, naming the item."""

from __future__ import annotations

import json

import bagit
import pytest
from typer.testing import CliRunner

from dangan.archive.catalog import build_catalog
from dangan.archive.filing import file_document
from dangan.archive.models import CheckResult, JournalEvent
from dangan.archive.queries import resolve_village
from dangan.cli.main import app
from dangan.retention.transfer import export, verify
from tests import factories


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
