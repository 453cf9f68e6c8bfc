"""Transfer packages (移交) for the county archive: a BagIt bag (sha256 manifests) of one
village's filed items (optionally one year), holding

    data/originals/<档号>.<ext>     the originals, as received
    data/renditions/<档号>.pdf|.jpg the renditions of the originals whose format is not on
                                    the whitelist (.doc, .xls, HEIC: `archive.renditions`)
    data/text/<档号>.txt            their extracted (OCR) text, pages split by form feeds
    data/metadata/<档号>.xml        DA/T 46 core metadata, valid against schema/item.xsd
    data/schema/item.xsd            that schema
    data/catalog/归档文件目录.xlsx|.pdf|.csv
    data/电子文件移交接收登记表.docx|.pdf

An item's metadata describes the file kept for the long term, held to the whitelist: its
original, or its rendition when it has one, and then names the original too (原件), which
travels beside it for authenticity. `verify` is the transfer-stage four-property checks a
receiver runs on it. The sender keeps its copy: the items stay filed here and the catalog
marks them 已移交.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import catalog_print, journal, printing
from dangan.archive.catalog import Catalog, Scope, build_catalog
from dangan.archive.context import Archive
from dangan.archive.errors import InputError
from dangan.archive.four_properties import (
    PROPERTIES,
    Metadata,
    Result,
    file_checks,
    metadata_checks,
    record,
)
from dangan.archive.models import Document, Page, StoredFile, Transfer, TransferItem, Village
from dangan.archive.renditions import kept_file
from dangan.archive.store import hash_file
from dangan.retention import transfer_form
from dangan.retention.transfer_form import Registration

SCHEMA = Path(__file__).with_name("schema") / "item.xsd"
NS = "urn:dangan:transfer:item:1"
CATALOG_NAME = "归档文件目录"
FORM_NAME = "电子文件移交接收登记表"
RECEIVER = "县档案馆"
SUFFIXES = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "tiff": (".tif", ".tiff"),
    "docx": (".docx",),
    "ofd": (".ofd",),
    "doc": (".doc", ".wps"),  # WPS text is saved in Word 97's format
    "xls": (".xls", ".et"),
    "xlsx": (".xlsx",),
    "heic": (".heic", ".heif"),
}
"""Each format's file name endings, the first one the default: an original keeps its own
(a .wps stays .wps) when it is one of its format's."""
PAYLOAD = ("originals", "renditions")
ITEMS_TAG, BYTES_TAG = "Dangan-Items", "Dangan-Item-Bytes"
ZIP_FORMATS = {"docx", "ofd"}  # zip containers the whitelist declares


@dataclass(frozen=True)
class Exported:
    transfer_id: int
    path: Path
    items: int
    byte_count: int
    failures: list[Result]


def _filename(code: str) -> str:
    """A 档号 as a file name: "·" kept, a path separator never."""
    return code.replace("/", "_").replace("\\", "_")


def _kind(media_type: str | None) -> str:
    return (media_type or "").lower().rsplit("/", 1)[-1].replace("jpg", "jpeg")


def _payload_name(code: str, file: StoredFile) -> str:
    """`file`'s name in the package: the item's 档号 and its format's ending."""
    suffixes = SUFFIXES.get(_kind(file.media_type), ("",))
    own = Path(file.original_name or "").suffix.lower()
    return _filename(code) + (own if own in suffixes else suffixes[0])


def _digitisation(path: Path, kind: str) -> tuple[str, str]:
    """(扫描分辨率, 色彩模式) of a scanned image; empty for other formats."""
    if kind not in ("jpeg", "png", "tiff"):
        return "", ""
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info.get("dpi")
        modes = {"1": "黑白", "L": "灰度", "RGB": "彩色", "RGBA": "彩色", "CMYK": "彩色"}
        return (f"{round(dpi[0])} dpi" if dpi else "", modes.get(image.mode, image.mode))


def _metadata_xml(fields: dict[str, Any]) -> bytes:
    from lxml import etree

    def sub(parent: Any, name: str, text: Any = "", **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{NS}}}{name}", **attrs)
        element.text = printing.clean(text)
        return element

    root = etree.Element(f"{{{NS}}}文件", nsmap={None: NS})
    sub(root, "聚合层次", "件")
    source = sub(root, "来源")
    sub(source, "全宗名称", fields["township"])
    sub(source, "全宗号", fields["fonds"])
    sub(source, "立档单位名称", fields["unit"])
    sub(root, "电子文件号", fields["file_no"])
    sub(root, "档号", fields["code"])
    content = sub(root, "内容描述")
    for name in ("题名", "责任者", "日期", "文件编号", "密级"):
        sub(content, name, fields[name])
    sub(root, "年度", fields["year"])
    sub(root, "保管期限", fields["retention"])
    sub(sub(root, "形式特征"), "页数", fields["pages"])
    props = sub(root, "电子属性")
    sub(props, "格式", fields["format"])
    sub(props, "计算机文件名", fields["name"])
    sub(props, "计算机文件大小", fields["size"])
    sub(props, "文本文件名", fields["text_name"])
    sub(props, "摘要", fields["sha256"], 算法="SHA-256")
    if fields["original"] is not None:
        name, kind, sha256 = fields["original"]
        original = sub(props, "原件")
        sub(original, "计算机文件名", name)
        sub(original, "格式", kind)
        sub(original, "摘要", sha256, 算法="SHA-256")
    scan = sub(root, "数字化属性")
    sub(scan, "扫描分辨率", fields["dpi"])
    sub(scan, "色彩模式", fields["colour"])
    sub(root, "存储位置", fields["location"])
    sub(root, "附注", fields["note"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _summary(results: list[Result]) -> tuple[tuple[str, str], ...]:
    lines = []
    for digit, name in PROPERTIES.items():
        mine = [r for r in results if r.code.startswith(digit + "-")]
        counts = Counter(r.outcome for r in mine)
        text = f"通过 {counts['passed']} 项, 不通过 {counts['failed']} 项"
        if counts["unchecked"]:
            unchecked = sorted({r.message for r in mine if r.outcome == "unchecked"})
            text += f", 未检测 {counts['unchecked']} 项({';'.join(unchecked)})"
        lines.append((name, text))
    return tuple(lines)


def export(
    arc: Archive, session: Session, village: Village, year: int | None, out: Path, *, actor: str
) -> Exported:
    """Writes the package of `village` (and `year`) to the new folder `out`, checks it
    as a receiver would, and records the transfer (journaled). Raises InputError when
    there is nothing to send or `out` is taken."""
    import bagit

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: 目标已存在且不是空目录, 移交包须写入新目录")
    scheme = arc.scheme
    catalog = build_catalog(session, scheme, Scope(village=village, year=year), statuses=("filed",))
    if not catalog.count:
        raise InputError(
            f"{village.code} {village.name}{f' {year} 年度' if year else ''}没有已归档的文件可移交"
        )
    ids = [row.document_id for _, _, row in catalog.rows()]
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    texts: dict[int, list[str]] = {}
    for page in session.scalars(
        select(Page).where(Page.document_id.in_(ids)).order_by(Page.document_id, Page.page_no)
    ):
        texts.setdefault(page.document_id, []).append(page.text)
    out.mkdir(parents=True, exist_ok=True)
    for folder in (*PAYLOAD, "text", "metadata", "schema", "catalog"):
        (out / folder).mkdir()
    shutil.copyfile(SCHEMA, out / "schema" / "item.xsd")
    results: list[Result] = []
    total = 0
    for _, household, row in catalog.rows():
        doc = docs[row.document_id]
        kept = kept_file(session, doc.file)
        original = out / "originals" / _payload_name(row.archival_code, doc.file)
        arc.store.copy_to(doc.file.sha256, original)
        total += doc.file.size
        target, described = original, None
        if kept is not doc.file:
            target = out / "renditions" / _payload_name(row.archival_code, kept)
            arc.store.copy_to(kept.sha256, target)
            total += kept.size
            described = (f"originals/{original.name}", _kind(doc.file.media_type), doc.file.sha256)
        kind = _kind(kept.media_type)
        text_name = _filename(row.archival_code) + ".txt"
        (out / "text" / text_name).write_text("\x0c".join(texts.get(doc.id, [])), encoding="utf-8")
        dpi, colour = _digitisation(target, kind)
        fields = {
            "township": catalog.township,
            "fonds": catalog.fonds,
            "unit": f"{catalog.township} {village.name}",
            "file_no": f"{catalog.fonds}-{doc.id}",
            "code": row.archival_code,
            "题名": row.title,
            "责任者": row.responsible,
            "日期": row.date,
            "文件编号": row.doc_number,
            "密级": row.secret_level,
            "year": row.year,
            "retention": row.retention,
            "pages": row.pages,
            "format": kind,
            "name": f"{target.parent.name}/{target.name}",
            "size": kept.size,
            "text_name": f"text/{text_name}",
            "sha256": kept.sha256,
            "original": described,
            "dpi": dpi,
            "colour": colour,
            "location": f"{village.code} {village.name}"
            + (f" {household.household_no} 号户" if household else " 村级"),
            "note": row.remarks,
        }
        (out / "metadata" / (_filename(row.archival_code) + ".xml")).write_bytes(
            _metadata_xml(fields)
        )
        results += [
            Result(r.code, r.outcome, r.message, doc.id, row.archival_code)
            for r in file_checks(target, kind, original=original if described else None)
        ]
        meta = Metadata(
            row.archival_code,
            row.title,
            doc.date,
            row.year,
            row.responsible,
            row.retention,
            row.doc_number,
            row.secret_level,
            row.pages or None,
        )
        results += metadata_checks(meta, scheme.retention_names, document_id=doc.id)
    _write_catalog(catalog, out / "catalog")
    seq, digest = journal.head(session)
    form = _registration(catalog, village, year, len(ids), total, results, seq, digest)
    for suffix, writer in ((".docx", transfer_form.write_docx), (".pdf", transfer_form.write_pdf)):
        with (out / f"{FORM_NAME}{suffix}").open("wb") as fh:
            writer(form, fh)
    bag = bagit.make_bag(
        str(out),
        {
            "Source-Organization": catalog.township,
            "External-Identifier": f"{catalog.fonds}-{village.code}-{year or '全部'}",
            "Bagging-Date": dt.date.today().isoformat(),
            ITEMS_TAG: str(len(ids)),
            BYTES_TAG: str(total),
        },
        checksums=["sha256"],
    )
    bag.validate()  # the package as written, before anyone relies on it
    received = verify(out)
    row = Transfer(
        village_id=village.id,
        year=year,
        path=str(out.resolve()),
        items=len(ids),
        byte_count=total,
        payload_oxum=bag.info.get("Payload-Oxum", ""),
        actor=actor,
    )
    session.add(row)
    session.flush()
    session.add_all(TransferItem(transfer_id=row.id, document_id=i) for i in ids)
    by_code = {docs[i].archival_code: i for i in ids}
    record(
        session,
        "transfer",
        results
        + [
            Result(f.code, f.outcome, f.message, by_code.get(f.archival_code), f.archival_code)
            for f in received
        ],
    )
    journal.record(
        session,
        actor=actor,
        action="transfer.export",
        entity_type="transfer",
        entity_id=row.id,
        after={
            "village_code": village.code,
            "year": year,
            "items": len(ids),
            "bytes": total,
            "path": str(out.resolve()),
            "payload_oxum": row.payload_oxum,
            "failures": len([r for r in results + received if r.failed]),
        },
    )
    return Exported(row.id, out, len(ids), total, [r for r in results + received if r.failed])


def _write_catalog(catalog: Catalog, folder: Path) -> None:
    for suffix in (".xlsx", ".pdf", ".csv"):
        writer = catalog_print.WRITERS[suffix]
        with (folder / f"{CATALOG_NAME}{suffix}").open("wb") as fh:
            writer(catalog, fh)


def _registration(
    catalog: Catalog,
    village: Village,
    year: int | None,
    items: int,
    total: int,
    results: list[Result],
    seq: int,
    digest: str,
) -> Registration:
    return Registration(
        sender=f"{catalog.township}(全宗号 {catalog.fonds})",
        receiver=RECEIVER,
        category=f"文书档案(扶贫) {village.code} {village.name}"
        + (f" {year} 年度" if year else ""),
        items=items,
        byte_count=total,
        properties=_summary(results),
        made=f"生成于 {printing.china_time(catalog.generated_at)},日志头 {seq}:{digest}",
    )


# ------------------------------------------------------------------ verify


def _code_of(relative: str) -> str | None:
    """The 档号 a payload path belongs to ("data/originals/Z105-…-0001.pdf")."""
    parts = relative.replace(os.sep, "/").split("/")
    if len(parts) == 3 and parts[0] == "data" and parts[1] in (*PAYLOAD, "text", "metadata"):
        return parts[2].rsplit(".", 1)[0]
    return None


def verify(folder: Path) -> list[Result]:
    """The transfer-stage four-property checks of a received package; the failures
    (and the checks that could not run), each naming its item where there is one."""
    import bagit
    from lxml import etree

    folder = Path(folder)
    found: list[Result] = []

    def fail(code: str, message: str, item: str | None = None) -> None:
        found.append(Result(code, "failed", message, None, item))

    try:
        bag = bagit.Bag(str(folder))
    except bagit.BagError as exc:
        fail("2-4", f"{folder}: 不是有效的 BagIt 包: {exc}")
        return found
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        for detail in exc.details or []:
            path = getattr(detail, "path", "")
            item = _code_of(path)
            if isinstance(detail, bagit.ChecksumMismatch):
                fail("1-1", f"{path}: 内容与清单中的 SHA-256 不符(被改动)", item)
            elif isinstance(detail, bagit.FileMissing):
                fail("2-3", f"{path}: 清单中列出的文件缺失", item)
            elif isinstance(detail, bagit.UnexpectedFile):
                fail("4-3", f"{path}: 文件不在清单中", item)
            else:
                fail("2-4", f"{path}: {detail}", item)
        if not exc.details:
            fail("2-4", f"BagIt 校验失败: {exc}")
    data = folder / "data"
    try:
        schema = etree.XMLSchema(etree.parse(str(data / "schema" / "item.xsd")))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        fail("1-4", f"元数据 XSD 无法读取: {exc}")
        return found
    catalog_rows: dict[str, dict[str, str]] = {}
    try:
        with (data / "catalog" / f"{CATALOG_NAME}.csv").open(
            encoding="utf-8-sig", newline=""
        ) as fh:
            for line in csv.DictReader(fh):
                catalog_rows[line["档号"]] = line
    except (OSError, KeyError, csv.Error) as exc:
        fail("2-3", f"目录 {CATALOG_NAME}.csv 无法读取: {exc}")
    listed: set[str] = set()
    xml_codes: set[str] = set()
    unreadable: set[str] = set()  # items whose XML failed: 1-4 names them, not 4-3 again
    for xml_path in sorted((data / "metadata").glob("*.xml")):
        code = xml_path.stem
        xml_codes.add(code)
        try:
            tree = etree.parse(str(xml_path))
            schema.assertValid(tree)
        except (etree.XMLSyntaxError, etree.DocumentInvalid) as exc:
            fail("1-4", f"{xml_path.name}: 元数据 XML 不合格: {exc}", code)
            unreadable.add(code)
            continue
        ns = {"d": NS}

        def text(path: str, tree: Any = tree, ns: dict[str, str] = ns) -> str:
            return tree.findtext(path, default="", namespaces=ns) or ""

        if text("d:档号") != code:
            fail("1-4", f"{xml_path.name}: 档号 {text('d:档号')} 与文件名不符", code)
        name = text("d:电子属性/d:计算机文件名")
        listed.add(f"data/{name}")
        kept = data / name
        original_name = text("d:电子属性/d:原件/d:计算机文件名")
        # a rendition is the archival copy; its original travels beside it, as received
        what = "存档副本(原件的转换副本)" if original_name else "原件"
        original = None
        if original_name:
            listed.add(f"data/{original_name}")
            original = data / original_name
            if not original.is_file():
                fail("2-3", f"{original_name}: 元数据所指的原件缺失", code)
                original = None
            elif hash_file(original) != text("d:电子属性/d:原件/d:摘要"):
                fail("1-1", f"{original_name}: 原件的 SHA-256 与元数据中的摘要不符", code)
        if not kept.is_file():
            fail("2-3", f"{name}: 元数据所指的{what}缺失", code)
            continue
        size = kept.stat().st_size
        if str(size) != text("d:电子属性/d:计算机文件大小"):
            fail(
                "1-4",
                f"{name}: {what}大小 {size} 与元数据 {text('d:电子属性/d:计算机文件大小')} 不符",
                code,
            )
        if hash_file(kept) != text("d:电子属性/d:摘要"):
            fail("1-1", f"{name}: {what}的 SHA-256 与元数据中的摘要不符", code)
        row = catalog_rows.get(code)
        if row is None:
            fail("2-3", f"{code}: 有文件而目录中没有其条目", code)
        elif (row["题名"], row["日期"]) != (text("d:内容描述/d:题名"), text("d:内容描述/d:日期")):
            fail("1-4", f"{code}: 元数据的题名或日期与目录不符", code)
        kind = text("d:电子属性/d:格式")
        for r in file_checks(kept, kind, original=original, code=code):
            if r.failed:
                fail(r.code, f"{name}: {r.message}", code)
            elif r.outcome == "unchecked":
                found.append(Result(r.code, "unchecked", r.message, None, code))
        meta = Metadata(
            code,
            text("d:内容描述/d:题名"),
            _date(text("d:内容描述/d:日期")),
            int(text("d:年度")) if text("d:年度").isdigit() else None,
            text("d:内容描述/d:责任者"),
            text("d:保管期限"),
            text("d:内容描述/d:文件编号") or None,
            text("d:内容描述/d:密级") or None,
        )
        for r in metadata_checks(meta, {text("d:保管期限")}):
            if r.failed:
                fail(r.code, f"{xml_path.name}: {r.message}", code)
    for code in sorted(set(catalog_rows) - xml_codes):
        fail("2-3", f"{code}: 目录中有条目而包中没有其文件", code)
    total = sum(
        p.stat().st_size for folder in PAYLOAD for p in (data / folder).glob("*") if p.is_file()
    )
    declared = {**bag.info}
    if str(len(xml_codes)) != declared.get(ITEMS_TAG) or str(total) != declared.get(BYTES_TAG):
        fail(
            "2-4",
            f"包中 {len(xml_codes)} 件 {total} 字节, 移交登记为 {declared.get(ITEMS_TAG)} 件 "
            f"{declared.get(BYTES_TAG)} 字节",
        )
    if len(catalog_rows) != len(xml_codes):
        fail("2-4", f"目录 {len(catalog_rows)} 条, 包中元数据 {len(xml_codes)} 件")
    fixed = {
        "data/schema/item.xsd",
        *(f"data/catalog/{CATALOG_NAME}{s}" for s in (".xlsx", ".pdf", ".csv")),
        *(f"data/{FORM_NAME}{s}" for s in (".docx", ".pdf")),
    }
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        relative = "data/" + path.relative_to(data).as_posix()
        payload = relative.startswith(tuple(f"data/{folder}/" for folder in PAYLOAD))
        known = (
            relative in listed
            or relative in fixed
            or (not payload and _code_of(relative) in xml_codes)
            or _code_of(relative) in unreadable
        )
        if not known:
            fail("4-3", f"{relative}: 不是目录或元数据列出的文件", _code_of(relative))
        elif payload:
            continue
        elif _compressed(path) and not relative.endswith((".xlsx", ".docx")):
            fail("4-4", f"{relative}: 使用了未声明的压缩或加密", _code_of(relative))
    return found


def _compressed(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(6)
    return head.startswith(
        (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None
