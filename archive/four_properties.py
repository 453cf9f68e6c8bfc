"""The four-property checks (四性检测, DA/T 70-2018): authenticity (1-x 真实性), integrity
(2-x 完整性), usability (3-x 可用性) and security (4-x 安全性), each with a stable code.

This module holds the checks of one item and of one file, which filing runs before an
item gets its 档号 (archive.filing) and a received transfer package runs on each of its
items (retention.transfer). The package-level and long-term preservation checks live with
the transfer and preservation code in retention/. Every result is kept per item with its
date (CheckResult); "unchecked" is never a pass.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dangan.archive.models import CheckResult, utcnow
from dangan.archive.virus import scan_file

STAGES = {"filing": "归档", "transfer": "移交", "preservation": "长期保存"}
PROPERTIES = {"1": "真实性", "2": "完整性", "3": "可用性", "4": "安全性"}
OUTCOMES = {"passed": "通过", "failed": "不通过", "unchecked": "未检测"}

CHECKS: dict[str, str] = {
    "1-1": "固化信息: SHA-256 摘要已记录, 文件与之相符",
    "1-2": "元数据规范: 长度、类型、值域, 无控制字符",
    "1-3": "档号符合编制规则且唯一",
    "1-4": "元数据 XML 可解析, 与目录和文件(格式、大小、摘要)一致",
    "1-5": "长期保存: 定期固化信息核验(fixity)通过",
    "2-1": "DA/T 18 必备元数据齐全",
    "2-2": "件号在其组内连续, 无缺号",
    "2-3": "目录条目都有其文件",
    "2-4": "数据包件数、字节数与清单及移交登记表一致",
    "3-1": "文件可打开, 文件头与其格式相符",
    "3-2": "文件格式在白名单内(PDF、OFD、JPEG、TIFF、PNG、DOCX)",
    "3-3": "文件未加密",
    "4-1": "文件不含可执行内容",
    "4-2": "病毒检测",
    "4-3": "数据包内没有清单之外的文件",
    "4-4": "数据包未使用未声明的压缩或加密",
    "4-5": "长期保存: 有可恢复的备份",
}

FORMATS = ("pdf", "ofd", "jpeg", "tiff", "png", "docx")
"""The formats DOMAIN.md whitelists for long-term keeping."""
SECRET_LEVELS = ("", "公开", "内部", "秘密", "机密", "绝密")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# PDF actions that run something, and annotations that carry files or media
_PDF_ACTIONS = ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm")
_PDF_MEDIA = ("/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen")
_EXECUTABLE_HEADS = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_MACROS = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}


@dataclass(frozen=True)
class Result:
    code: str
    outcome: str  # passed | failed | unchecked
    message: str = ""
    document_id: int | None = None
    archival_code: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    @property
    def title(self) -> str:
        return CHECKS[self.code]

    @property
    def reason(self) -> str:
        """ "3-2 文件格式在白名单内...: 格式 gif 不在白名单内" — what a reviewer reads."""
        return f"四性检测 {self.code} {PROPERTIES[self.code[0]]}: {self.message or self.title}"


def record(
    session: Session, stage: str, results: Iterable[Result], at: dt.datetime | None = None
) -> None:
    """Keeps each result with the item it is about and the time it was found."""
    moment = at or utcnow()
    session.add_all(
        CheckResult(
            document_id=r.document_id,
            stage=stage,
            code=r.code,
            outcome=r.outcome,
            message=r.message,
            checked_at=moment,
        )
        for r in results
    )
    session.flush()


# ------------------------------------------------------------------ one file


def detect_format(head: bytes, path: Path) -> str | None:
    """The format the file's first bytes say it is, of FORMATS; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names:
            return "ofd"
    return None


def _opens(path: Path, kind: str) -> tuple[bool, str, bool]:
    """(opens, why not, encrypted) by reading the file with the library for its kind."""
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            reader = PdfReader(path)
            if reader.is_encrypted:
                return True, "", True
            if len(reader.pages) < 1:
                return False, "PDF 没有页面", False
        elif kind in ("jpeg", "png", "tiff"):
            from PIL import Image

            with Image.open(path) as image:
                image.verify()
        else:
            with zipfile.ZipFile(path) as zf:
                if any(info.flag_bits & 0x1 for info in zf.infolist()):
                    return True, "", True
                bad = zf.testzip()
                if bad is not None:
                    return False, f"压缩包成员 {bad} 已损坏", False
    except Exception as exc:  # any library's refusal is the answer: it does not open
        return False, f"无法打开: {type(exc).__name__}: {exc}"[:300], False
    return True, "", False


def _pdf_active(path: Path) -> set[str]:
    """Scripts, launch actions, embedded files and rich media a PDF's catalog, pages or
    annotations carry (read by pypdf, so that stream bytes that happen to spell "/JS"
    are not taken for a script)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            return set()  # 3-3 reports it; its objects cannot be read
        root = reader.trailer["/Root"].get_object()
    except Exception:
        return set()  # 3-1 reports a PDF that does not open
    found: set[str] = set()

    def action(value: Any) -> None:
        act = value.get_object() if value is not None else None
        if hasattr(act, "get") and (act.get("/S") in _PDF_ACTIONS or "/JS" in act):
            found.add(str(act.get("/S", "/JavaScript"))[1:])

    names = root.get("/Names")
    if names is not None:
        found |= {key[1:] for key in ("/JavaScript", "/EmbeddedFiles") if key in names.get_object()}
    action(root.get("/OpenAction"))
    if "/AA" in root:
        found.add("AA")
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        found.add("XFA")
    for page in reader.pages:
        if "/AA" in page:
            found.add("AA")
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action(annot.get("/A"))
            if annot.get("/Subtype") in _PDF_MEDIA:
                found.add(str(annot["/Subtype"])[1:])
    return found


def _active_content(path: Path, kind: str | None) -> str | None:
    """What executable content the file carries, or None."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if any(head.startswith(magic) for magic in _EXECUTABLE_HEADS):
        return "文件本身是可执行程序或脚本"
    if kind == "pdf":
        found = _pdf_active(path)
        if found:
            return "PDF 含有可执行或嵌入内容: " + "、".join(sorted(found))
    if head.startswith(b"PK\x03\x04"):  # DOCX, OFD, XLSX
        with zipfile.ZipFile(path) as zf:
            risky = [
                n
                for n in zf.namelist()
                if n.lower().endswith((".bin", ".exe", ".dll", ".js", ".vbs", ".bat", ".sh"))
                or "vbaproject" in n.lower()
                or "activex" in n.lower()
            ]
        if risky:
            return "文档含有宏或嵌入程序: " + "、".join(risky[:5])
    if head == _OLE:  # Word and Excel 97: macros live in a "Macros" or "_VBA_PROJECT" storage
        import olefile

        try:
            with olefile.OleFileIO(path) as ole:
                risky = sorted(
                    {e[-1] for e in ole.listdir(storages=True) if e[-1] in _OLE_MACROS}
                )
        except (OSError, ValueError, IndexError):
            risky = []  # 3-1 reports a file that does not open
        if risky:
            return "文档含有宏: " + "、".join(risky)
    return None


_WORST = ("failed", "unchecked", "passed")


def file_checks(
    path: Path,
    recorded_kind: str | None,
    *,
    original: Path | None = None,
    document_id: int | None = None,
    code: str | None = None,
) -> list[Result]:
    """3-1, 3-2, 3-3, 4-1 and 4-2 of the file at `path`, whose recorded format is
    `recorded_kind` (a format name such as "pdf", or a media type). When `path` is the
    rendition kept for an `original` whose format is not on the whitelist (a .doc and its
    PDF, `archive.renditions`), the original is searched for executable content and
    viruses too: it is kept beside its rendition."""

    def result(check: str, outcome: str, message: str = "") -> Result:
        return Result(check, outcome, message, document_id, code)

    with path.open("rb") as fh:
        head = fh.read(16)
    kind = detect_format(head, path)
    expected = (recorded_kind or "").lower().rsplit("/", 1)[-1].replace("jpg", "jpeg")
    copy = " (原件格式不在白名单内, 检测其转换副本)" if original is not None else ""
    results = []
    if kind is None:
        results.append(result("3-1", "failed", f"文件头 {head[:8].hex(' ')} 不是可识别的格式"))
        results.append(result("3-2", "failed", "格式无法识别, 不在白名单内"))
    else:
        opens, why, encrypted = _opens(path, kind)
        if not opens:
            results.append(result("3-1", "failed", why))
        elif expected and expected != kind:
            results.append(result("3-1", "failed", f"文件头为 {kind}, 记录的格式为 {expected}"))
        else:
            results.append(result("3-1", "passed", f"{kind} 可打开{copy}"))
        results.append(result("3-2", "passed", f"{kind}{copy}"))
        results.append(
            result("3-3", "failed", f"{kind} 文件已加密")
            if encrypted
            else result("3-3", "passed", "未加密")
        )
    active = _active_content(path, kind)
    if active is None and original is not None:
        found = _active_content(original, None)
        active = f"原件{found}" if found else None
    results.append(result("4-1", "failed", active) if active else result("4-1", "passed"))
    scans = [scan_file(path)] + ([scan_file(original)] if original is not None else [])
    scan = min(scans, key=lambda s: _WORST.index(s.outcome))
    results.append(result("4-2", scan.outcome, scan.message))
    return results


# ------------------------------------------------------------------ metadata


@dataclass(frozen=True)
class Metadata:
    """The DA/T 18 metadata of an item, as filed or as read back from a package."""

    archival_code: str | None
    title: str | None
    date: dt.date | None
    year: int | None
    responsible: str | None
    retention: str | None
    doc_number: str | None = None
    secret_level: str | None = None
    pages: int | None = None


LIMITS = {"archival_code": 100, "title": 500, "responsible": 200, "doc_number": 100}
REQUIRED = {
    "archival_code": "档号",
    "title": "题名",
    "date": "日期",
    "responsible": "责任者",
    "retention": "保管期限",
}


def metadata_checks(
    meta: Metadata,
    retention_codes: Iterable[str],
    *,
    document_id: int | None = None,
    today: dt.date | None = None,
) -> list[Result]:
    """2-1 (the required DA/T 18 elements are there) and 1-2 (each is well-formed)."""
    missing = [name for field, name in REQUIRED.items() if not getattr(meta, field)]
    problems = []
    for field, limit in LIMITS.items():
        value = getattr(meta, field)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{field} 应为文本")
        elif len(value) > limit:
            problems.append(f"{field} 超过 {limit} 字")
        elif _CONTROL.search(value):
            problems.append(f"{field} 含控制字符")
        elif value != value.strip():
            problems.append(f"{field} 首尾有空白")
    last_year = (today or dt.date.today()).year + 1
    if meta.year is not None and not 1949 <= meta.year <= last_year:
        problems.append(f"年度 {meta.year} 不在 1949—{last_year} 之间")
    if meta.date is not None and meta.year is not None and meta.date.year != meta.year:
        problems.append(f"日期 {meta.date:%Y%m%d} 与年度 {meta.year} 不符")
    if meta.retention and meta.retention not in set(retention_codes):
        problems.append(f"保管期限 {meta.retention} 不在分类方案中")
    if (meta.secret_level or "") not in SECRET_LEVELS:
        problems.append(f"密级 {meta.secret_level} 不是 {'、'.join(SECRET_LEVELS[1:])} 之一")
    if meta.pages is not None and meta.pages < 1:
        problems.append(f"页数 {meta.pages} 应不少于 1")
    code = meta.archival_code
    return [
        Result("2-1", "failed", "缺少 " + "、".join(missing), document_id, code)
        if missing
        else Result("2-1", "passed", "", document_id, code),
        Result("1-2", "failed", ";".join(problems), document_id, code)
        if problems
        else Result("1-2", "passed", "", document_id, code),
    ]
