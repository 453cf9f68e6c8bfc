"""ZIP uploads: members are checked as a whole before any is handed out."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import docx
import pytest

from dangan.ingest.exceptions import CorruptFile, EncryptedDocument, LimitExceeded, UnsafeArchive
from dangan.ingest.extract import extract
from dangan.ingest.limits import Limits
from dangan.ingest.ocr import get_engine
from dangan.ingest.sniff import sniff_bytes, sniff_file
from dangan.ingest.zipfiles import check_archive, iter_members, member_name
from tests.pages import DATA

PDF = (DATA / "text.pdf").read_bytes()


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("东坪村2017年第三季度村民代表会议记录")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip(
    path: Path,
    members: list[tuple[str | zipfile.ZipInfo, bytes]],
    method: int = zipfile.ZIP_DEFLATED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_zip_of_two_documents_is_extracted(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "u.zip",
        [("东坪村/评议表.pdf", PDF), ("东坪村/会议记录.docx", _docx()), ("东坪村/", b"")],
    )
    assert sniff_file(archive, "u.zip") == "zip"
    texts = {}
    for member, data in iter_members(archive, "u.zip", Limits()):
        kind = sniff_bytes(data, member)
        out = tmp_path / "member"
        out.write_bytes(data)
        texts[member] = (kind, extract(out, member, kind, get_engine(), Limits()).text)
    assert list(texts) == ["东坪村/评议表.pdf", "东坪村/会议记录.docx"]
    assert texts["东坪村/评议表.pdf"][0] == "pdf"
    assert "王建华" in texts["东坪村/评议表.pdf"][1]
    assert texts["东坪村/会议记录.docx"] == ("docx", "东坪村2017年第三季度村民代表会议记录")


def test_os_junk_is_skipped(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "mac.zip",
        [
            ("a.pdf", PDF),
            ("__MACOSX/._a.pdf", b"\x00\x05\x16\x07"),
            ("sub/.DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("sub/Thumbs.db", b"\xd0\xcf\x11\xe0"),
        ],
    )
    assert [m for m, _ in iter_members(archive, "mac.zip", Limits())] == ["a.pdf"]


def test_gbk_member_names_from_chinese_windows(tmp_path: Path) -> None:
    gbk = "申请书.pdf".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".pdf"
    raw = _zip(tmp_path / "tmp.zip", [(placeholder.decode(), PDF)]).read_bytes()
    assert raw.count(placeholder) == 2  # local header and central directory
    path = tmp_path / "gbk.zip"
    path.write_bytes(raw.replace(placeholder, gbk))
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    assert not info.flag_bits & 0x800
    assert member_name(info) == "申请书.pdf"
    assert [m for m, _ in iter_members(path, "gbk.zip", Limits())] == ["申请书.pdf"]


def test_utf8_names_with_the_flag_are_kept(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "u.zip", [("贫困户/审批表.pdf", PDF)])
    assert check_archive(archive, "u.zip", Limits()) == ["贫困户/审批表.pdf"]


@pytest.mark.parametrize(
    "evil", ["../../etc/cron.d/x.pdf", "/etc/passwd", "C:/Windows/x.pdf", "a/..\\..\\x.pdf"]
)
def test_zip_slip_is_refused(tmp_path: Path, evil: str) -> None:
    archive = _zip(tmp_path / "slip.zip", [("ok.pdf", PDF), (zipfile.ZipInfo(evil), PDF)])
    with pytest.raises(UnsafeArchive) as info:
        list(iter_members(archive, "slip.zip", Limits()))
    assert str(info.value).startswith("slip.zip: 压缩包内")
    assert "路径穿越" in str(info.value)


def test_nothing_is_handed_out_before_the_whole_archive_is_checked(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "slip.zip", [("ok.pdf", PDF), (zipfile.ZipInfo("../x.pdf"), PDF)])
    members = iter_members(archive, "slip.zip", Limits())
    with pytest.raises(UnsafeArchive):
        next(members)


def test_symlink_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.pdf")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path / "link.zip", [(link, b"/etc/passwd")])
    with pytest.raises(UnsafeArchive, match=r"“link\.pdf” 是符号链接"):
        list(iter_members(archive, "link.zip", Limits()))


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", [("a.pdf", PDF), ("zeros.pdf", bytes(5 * 1024 * 1024))])
    assert archive.stat().st_size < 30_000
    with pytest.raises(LimitExceeded, match="压缩炸弹"):
        list(iter_members(archive, "bomb.zip", Limits()))


def test_member_ratio_is_checked_even_when_the_whole_is_diluted(tmp_path: Path) -> None:
    noise = os.urandom(200_000)
    archive = _zip(
        tmp_path / "b.zip", [("noise.pdf", noise), ("zeros.pdf", bytes(2 * 1024 * 1024))]
    )
    with pytest.raises(LimitExceeded, match=r"“zeros\.pdf” 压缩比"):
        check_archive(archive, "b.zip", Limits(max_zip_ratio=20))


def test_too_many_entries(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", [(f"{i}.pdf", PDF[:100]) for i in range(6)])
    with pytest.raises(LimitExceeded, match="6 个条目，超过上限 5 个"):
        check_archive(archive, "many.zip", Limits(max_zip_entries=5))


def test_total_unpacked_size(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "big.zip", [("a.pdf", os.urandom(800)), ("b.pdf", os.urandom(800))])
    with pytest.raises(LimitExceeded, match="总大小"):
        check_archive(archive, "big.zip", Limits(max_zip_total_bytes=1000))


def test_nested_zip_one_level_is_unpacked_deeper_is_refused(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", [("c.pdf", PDF)]).read_bytes()
    outer = _zip(tmp_path / "outer.zip", [("a.pdf", PDF), ("村/inner.zip", inner)])
    assert [m for m, _ in iter_members(outer, "outer.zip", Limits())] == [
        "a.pdf",
        "村/inner.zip/c.pdf",
    ]
    deep = _zip(tmp_path / "deep.zip", [("outer.zip", outer.read_bytes())])
    with pytest.raises(UnsafeArchive, match="嵌套超过 1 层"):
        list(iter_members(deep, "deep.zip", Limits()))


def test_nested_entries_count_against_the_limit(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", [(f"{i}.pdf", PDF[:50]) for i in range(4)]).read_bytes()
    outer = _zip(tmp_path / "outer.zip", [("inner.zip", inner)])
    with pytest.raises(LimitExceeded):
        check_archive(outer, "outer.zip", Limits(max_zip_entries=4))


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "enc.zip", [("a.pdf", PDF[:200])], method=zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    # set the "encrypted" flag in the local header (offset 6) and central directory (offset 8)
    raw[6] |= 1
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 8] |= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(EncryptedDocument, match=r"“a\.pdf” 已加密"):
        list(iter_members(path, "enc.zip", Limits()))


def test_truncated_zip_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(_zip(tmp_path / "full.zip", [("a.pdf", PDF)]).read_bytes()[:5000])
    with pytest.raises(CorruptFile, match=r"cut\.zip: ZIP 压缩包已损坏或不完整"):
        list(iter_members(path, "cut.zip", Limits()))


def test_a_docx_inside_a_zip_is_a_document_not_a_nested_zip(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "d.zip", [("a.docx", _docx())])
    [(member, data)] = list(iter_members(archive, "d.zip", Limits()))
    assert member == "a.docx" and sniff_bytes(data, member) == "docx"
