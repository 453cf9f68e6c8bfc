"""The demo township generator: deterministic, its ground truth matches its files."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from dangan.archive.idnumber import is_valid
from dangan.demo.build import GroundTruth, build_township

SEED = 7
REQUIRED_RULES = {
    "MISSING_ITEM",
    "MEASURE_MISMATCH",
    "INCOME_MISMATCH",
    "MEMBERS_MISMATCH",
    "ID_INVALID",
    "HELPER_OVERLOAD",
    "PAIRING_BEFORE_IDENTIFICATION",
    "NOTICE_TOO_SHORT",
    "MEETING_GAP",
    "VISIT_FREQUENCY",
    "DATE_ORDER",
    "ID_BIRTH_CONFLICT",
    "SIGNATURE_MISSING",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo_a")
    build_township(out, seed=SEED, villages=1, households_per_village=3, workers=2)
    return out, json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _roster(root: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    ws = load_workbook(root / "roster.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] and "花名册" in rows[0][0]
    header = rows[1]
    return [dict(zip(header, r, strict=True)) for r in rows[2:]]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _parts(gt: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(f, p) for f in gt["files"] for p in f["parts"]]


def test_same_seed_same_bytes(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = built
    build_township(tmp_path, seed=SEED, villages=1, households_per_village=3, workers=2)
    first, second = _hashes(out), _hashes(tmp_path)
    assert first == second
    assert len(first) > 60


def test_every_file_in_the_ground_truth_exists(built: tuple[Path, dict[str, Any]]) -> None:
    out, gt = built
    on_disk = set(_hashes(out)) - {"ground_truth.json", "roster.xlsx"}
    listed = {f["path"] for f in gt["files"]}
    assert listed == on_disk
    for f in gt["files"]:
        data = (out / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert f["form"] in ("scan", "phone", "pdf_image", "pdf_text", "docx", "photo")
        for p in f["parts"]:
            assert re.fullmatch(r"[HV]\d\d", p["doc_type"])
            assert p["village_code"] == "001"
            assert (p["household_no"] is None) == p["doc_type"].startswith("V")
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", p["date"])
            assert len(p["text"]) == (1 if f["form"] in ("docx", "photo") else _count(p["pages"]))
    forms = {f["form"] for f in gt["files"]}
    assert forms == {"scan", "phone", "pdf_image", "pdf_text", "docx", "photo"}
    assert any(f["traditional"] for f in gt["files"])


def _count(pages: str) -> int:
    a, _, b = pages.partition("-")
    return int(b or a) - int(a) + 1


def test_id_numbers_valid_except_the_planted_one(built: tuple[Path, dict[str, Any]]) -> None:
    out, gt = built
    bad = {f["roster_id_number"] for f in gt["faults"] if f["rule"] == "ID_INVALID"}
    assert bad
    for row in _roster(out):
        assert is_valid(row["身份证号"]) == (row["身份证号"] not in bad), row
        if row["帮扶人身份证号"]:
            assert is_valid(row["帮扶人身份证号"])
    for hh in gt["households"]:
        assert all(is_valid(m["id_number"]) for m in hh["member_list"])
        assert is_valid(hh["id_number"])
    for _, p in _parts(gt):
        assert all(is_valid(n) for n in p["id_numbers"])


def _household_text(gt: dict[str, Any], village: str, household: str, doc_type: str) -> str:
    return "\n".join(
        "\n".join(p["text"])
        for _, p in _parts(gt)
        if p["village_code"] == village
        and p["household_no"] == household
        and p["doc_type"] == doc_type
    )


def test_each_planted_fault_is_in_the_files(built: tuple[Path, dict[str, Any]]) -> None:
    check_planted_faults(*built)


@pytest.mark.parametrize("layouts", ["developed", "unseen"])
def test_planted_faults_hold_in_every_layout_family(tmp_path: Path, layouts: str) -> None:
    build_township(
        tmp_path, seed=SEED, villages=1, households_per_village=3, render=False, layouts=layouts
    )
    gt = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert gt["layouts"] == layouts
    check_planted_faults(tmp_path, gt)


def check_planted_faults(out: Path, gt: dict[str, Any]) -> None:
    """Every planted fault shows in the roster and the documents' text as the ground
    truth says."""
    roster = {(r["村代码"], r["户编号"]): r for r in _roster(out)}
    households = {(h["village_code"], h["household_no"]): h for h in gt["households"]}
    rules = {f["rule"] for f in gt["faults"]}
    assert REQUIRED_RULES - {"HELPER_OVERLOAD"} <= rules  # 3 households cannot overload
    for f in gt["faults"]:
        key = (f["village_code"], f["household_no"])
        row, hh = roster.get(key), households.get(key)
        rule = f["rule"]
        if rule == "ID_INVALID":
            assert row["身份证号"] == f["roster_id_number"] != hh["id_number"]
        elif rule == "MEMBERS_MISMATCH":
            assert row["家庭人口"] == f["roster_members"] != hh["members"]
            assert f"家庭人口 {hh['members']}人" in _household_text(gt, *key, "H07")
        elif rule == "INCOME_MISMATCH":
            assert row["年人均纯收入"] == f["roster_income"] != f["manual_income"]
            manual = _squash(_household_text(gt, *key, "H07")).replace(",", "")
            assert f"{f['year']}年{f['manual_income']}" in manual
        elif rule == "MEASURE_MISMATCH":
            assert f["manual"] in _squash(_household_text(gt, *key, "H07"))
            logs = [
                p
                for _, p in _parts(gt)
                if p["doc_type"] == "V03" and p["village_code"] == f["village_code"]
            ]
            log_text = _squash("".join("".join(p["text"]) for p in logs))
            assert _squash(f["log"]) in log_text
            assert _squash(f["manual"]) not in log_text
        elif rule == "MISSING_ITEM":
            assert not _household_text(gt, *key, f["doc_type"])
            assert f["doc_type"] in hh["missing_items"]
        elif rule == "PAIRING_BEFORE_IDENTIFICATION":
            assert row["帮扶开始日期"].year < row["识别年度"]
        elif rule == "HELPER_OVERLOAD":
            ids = [r["帮扶人身份证号"] for r in roster.values()]
            assert ids.count(f["helper_id_number"]) >= 4
        elif rule == "HELPER_IS_HOUSEHOLD":
            assert row["帮扶人身份证号"] in {h["id_number"] for h in gt["households"]}
        elif rule == "NO_HELPER":
            assert row["帮扶责任人"] is None
        elif rule == "NOTICE_TOO_SHORT":
            assert f["days"] < 7
            notices = [
                p for _, p in _parts(gt) if p["doc_type"] == "V05" and p["date"] == f["start"]
            ]
            assert notices
            assert f["files"]
        elif rule == "MEETING_GAP":
            minutes = [
                p
                for _, p in _parts(gt)
                if p["doc_type"] == "V02" and p["village_code"] == f["village_code"]
            ]
            assert len(minutes) == 11
            assert not any(p["date"].startswith(f["month"]) for p in minutes)
        elif rule == "SIGNATURE_MISSING":
            text = _household_text(gt, *key, f["doc_type"])
            field = f"{f['label']}："
            signed_line = next(line for line in text.splitlines() if field in line)
            assert signed_line.rstrip().endswith(field) and f["files"]
        elif rule == "ID_BIRTH_CONFLICT":
            typed = row["身份证号"]
            assert f"{typed[6:10]}-{typed[10:12]}-{typed[12:14]}" == f["roster_birth"]
            assert f["roster_birth"] != f["birth"] and typed != hh["id_number"]
            card = _household_text(gt, *key, "H15")
            assert hh["id_number"] in card and "出生" in card
        elif rule == "DATE_ORDER":
            assert f["review"] < f["application"]
            (application,) = [
                p
                for _, p in _parts(gt)
                if p["doc_type"] == "H01" and (p["village_code"], p["household_no"]) == key
            ]
            assert application["date"] == f["application"]
        elif rule == "VISIT_FREQUENCY":
            _, quarter = (int(x) for x in f["quarter"].split("-Q"))
            logs = [
                p
                for _, p in _parts(gt)
                if p["doc_type"] == "V03"
                and p["village_code"] == f["village_code"]
                and (int(p["date"][5:7]) + 2) // 3 == quarter
            ]
            assert len(logs) == 3 and f["files"]
            name = hh["head_name"]
            visits = sum(
                line.count(name)
                for p in logs
                for line in "".join(p["text"]).splitlines()
                if "走访" in line
            )
            assert visits == f["visits"] < 3
        else:  # pragma: no cover
            raise AssertionError(rule)


def test_default_size_plants_every_required_fault(tmp_path: Path) -> None:
    gt: GroundTruth = build_township(tmp_path, seed=SEED, render=False)
    assert {f["rule"] for f in gt.faults} >= REQUIRED_RULES
    assert len(gt.households) == 30 and len(gt.villages) == 3
    assert not list(tmp_path.rglob("*.jpg"))


def test_text_pdfs_give_back_their_text(built: tuple[Path, dict[str, Any]]) -> None:
    from pypdf import PdfReader

    out, gt = built
    pdfs = [f for f in gt["files"] if f["form"] == "pdf_text"]
    assert pdfs
    for f in pdfs:
        reader = PdfReader(out / f["path"])
        assert len(reader.pages) == f["pages"]
        for page, truth in zip(reader.pages, f["parts"][0]["text"], strict=True):
            assert _squash(page.extract_text()) == _squash(truth)


def test_docx_tables_are_readable(built: tuple[Path, dict[str, Any]]) -> None:
    from docx import Document

    from dangan.demo.office import docx_text

    out, gt = built
    files = [f for f in gt["files"] if f["form"] == "docx"]
    assert files
    tables = 0
    for f in files:
        data = (out / f["path"]).read_bytes()
        doc = Document(io.BytesIO(data))
        if doc.tables:
            tables += 1
            assert any(c.text for c in doc.tables[0].rows[0].cells)
        assert docx_text(data) == f["parts"][0]["text"][0]
    assert tables


def test_photos_carry_exif_dates(built: tuple[Path, dict[str, Any]]) -> None:
    from PIL import Image

    out, gt = built
    photos = [f for f in gt["files"] if f["form"] in ("photo", "phone")]
    assert any(f["form"] == "photo" for f in photos)
    for f in photos:
        with Image.open(out / f["path"]) as im:
            exif = im.getexif()
            taken = exif.get_ifd(0x8769).get(0x9003)
        assert taken == f["taken"].replace("-", ":").replace("T", " ")
        if f["form"] == "photo":
            assert exif.get_ifd(0x8825), "photos of the work carry GPS"


def test_feeder_pdf_pages_are_the_sum_of_its_parts(built: tuple[Path, dict[str, Any]]) -> None:
    from pypdf import PdfReader

    out, gt = built
    feeders = [f for f in gt["files"] if len(f["parts"]) > 1]
    assert feeders
    for f in feeders:
        assert f["form"] == "pdf_image"
        count = len(PdfReader(out / f["path"]).pages)
        assert count == f["pages"] == sum(_count(p["pages"]) for p in f["parts"])
        first = 1
        for p in f["parts"]:
            assert int(p["pages"].split("-")[0]) == first
            assert p["text"][0].splitlines()[0] == p["form_title"]
            first += _count(p["pages"])


def test_scans_are_200_to_300_dpi(built: tuple[Path, dict[str, Any]]) -> None:
    from PIL import Image
    from pypdf import PdfReader

    out, gt = built
    scans = [f for f in gt["files"] if f["form"] == "scan"]
    assert scans
    for f in scans:
        with Image.open(out / f["path"]) as im:
            dpi = im.info.get("dpi")
            assert dpi is not None and 200 <= round(dpi[0]) <= 300, f["path"]
            assert round(dpi[0]) == f["dpi"]
            assert getattr(im, "n_frames", 1) == f["pages"]
            assert im.width >= 1160 * f["dpi"] // 200 - 2  # A5 cards are the narrowest
    for f in (f for f in gt["files"] if f["form"] == "pdf_image"):
        reader = PdfReader(out / f["path"])
        assert len(reader.pages) == f["pages"]
        width_in = float(reader.pages[0].mediabox.width) / 72
        assert 8.1 < width_in < 8.4  # A4 at the dpi of its images


def test_every_form_starts_with_its_title(built: tuple[Path, dict[str, Any]]) -> None:
    _, gt = built
    for f, p in _parts(gt):
        if f["form"] == "photo":
            continue
        assert p["text"][0].splitlines()[0] == p["form_title"]


def test_roster_csv_has_the_same_columns(tmp_path: Path) -> None:
    from dangan.demo.people import make_township
    from dangan.demo.roster import HEADERS, write_roster_csv

    data = write_roster_csv(make_township(SEED, 1, 3))
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == list(HEADERS)
    assert len(lines) == 4


def test_text_only_items_are_deterministic() -> None:
    from dangan.demo.textonly import iter_text_items

    a = list(iter_text_items(600, SEED))
    assert a == list(iter_text_items(600, SEED))
    assert len(a) == 600
    assert {
        "title",
        "text",
        "doc_type",
        "village_code",
        "household_no",
        "head_name",
        "id_numbers",
        "date",
        "year",
    } <= set(a[0])
    assert any(i["traditional"] for i in a)
    assert all(i["text"].splitlines()[0] for i in a)


def test_text_only_items_come_to_exactly_the_number_asked() -> None:
    from dangan.demo.textonly import iter_text_items

    items = list(iter_text_items(2000, seed=3))
    assert len(items) == 2000
    assert any(i["traditional"] for i in items)
