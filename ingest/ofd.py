"""OFD (GB/T 33190-2016, the national fixed-layout format): text read from its XML.

An OFD file is a ZIP: OFD.xml names the document (DocBody/DocRoot, e.g. Doc_0/Document.xml),
which lists its pages (Pages/Page/@BaseLoc, e.g. Pages/Page_0/Content.xml) and the template
pages they draw on; each page's content holds TextObjects (Boundary "x y w h" in mm) with
TextCode runs (X, Y: the baseline within the object). Text is read page by page, template
first (a letterhead with the issuing office and 文号 is often a template), in lines from the
top, each line from the left.

Why no library: the Python OFD readers found (ofdreader 0.1, easyofd 0.0.x, ofdparser
0.0.x, ofdkit 0.1) are early single-author releases, and reading text needs only these three
XML files. The XML comes from users, so it is parsed with defusedxml (no DTDs, no entities).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dangan.ingest.exceptions import CorruptFile, LimitExceeded

LINE_TOLERANCE = 0.5
"""Runs whose baselines differ by less than this share of the font size are one line."""


@dataclass(frozen=True)
class OfdText:
    pages: list[str]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class _Run:
    x: float
    y: float
    size: float
    text: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: Element | None, name: str) -> Iterator[Element]:
    return (child for child in (node if node is not None else ()) if _local(child.tag) == name)


def _child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next(_children(node, name), None)
    return node


def _floats(value: str | None, count: int) -> list[float]:
    try:
        numbers = [float(v) for v in (value or "").split()]
    except ValueError:
        numbers = []
    return (numbers + [0.0] * count)[:count]


class _Package:
    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf, self.name = zf, name
        # producers differ in the case of paths and in leading slashes
        self.members = {m.lower(): m for m in zf.namelist()}

    def resolve(self, base_dir: str, location: str) -> str:
        location = location.strip().replace("\\", "/")
        joined = (
            location.lstrip("/") if location.startswith("/") else posixpath.join(base_dir, location)
        )
        return posixpath.normpath(joined)

    def xml(self, path: str, what: str) -> Element:
        member = self.members.get(path.lower())
        if member is None:
            raise CorruptFile(self.name, f"OFD 文件缺少{what} ({path})，文件不完整或已损坏")
        try:
            return fromstring(self.zf.read(member))
        except (ParseError, DefusedXmlException, zipfile.BadZipFile, OSError) as err:
            raise CorruptFile(self.name, f"OFD 文件中的{what} ({path}) 无法解析 ({err})") from err


def read_ofd(path: Path, name: str, max_pages: int) -> OfdText:
    """The text of each page of the OFD file at `path` (called `name` by the user)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(_Package(zf, name), max_pages)
    except (zipfile.BadZipFile, OSError) as err:
        raise CorruptFile(name, f"OFD 文件已损坏，无法读取 ({err})") from err


def _read(pkg: _Package, max_pages: int) -> OfdText:
    root = pkg.xml("OFD.xml", "入口文件 OFD.xml")
    body = _child(root, "DocBody")
    doc_root = _child(body, "DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise CorruptFile(pkg.name, "OFD 文件的 OFD.xml 未指明文档 (缺少 DocRoot)")
    document_path = pkg.resolve("", doc_root.text or "")
    base = posixpath.dirname(document_path)
    document = pkg.xml(document_path, "文档描述")
    templates = {
        t.get("ID"): pkg.resolve(base, t.get("BaseLoc") or "")
        for t in _children(_child(document, "CommonData"), "TemplatePage")
    }
    pages = list(_children(_child(document, "Pages"), "Page"))
    if not pages:
        raise CorruptFile(pkg.name, "OFD 文件没有任何页面")
    if len(pages) > max_pages:
        raise LimitExceeded(pkg.name, f"OFD 共 {len(pages)} 页，超过上限 {max_pages} 页")
    texts = []
    for number, page in enumerate(pages, start=1):
        content_path = pkg.resolve(base, page.get("BaseLoc") or "")
        content = pkg.xml(content_path, f"第 {number} 页的页面内容")
        runs: list[_Run] = []
        for used in _children(content, "Template"):
            template = templates.get(used.get("TemplateID"))
            if template:
                runs += _runs(pkg.xml(template, f"第 {number} 页的模板页"))
        runs += _runs(content)
        texts.append(_lines(runs))
    return OfdText(texts, _metadata(body))


def _runs(page: Element) -> list[_Run]:
    runs = []
    for obj in page.iter():
        if _local(obj.tag) != "TextObject":
            continue
        bx, by = _floats(obj.get("Boundary"), 2)
        size = _floats(obj.get("Size"), 1)[0] or 3.5
        for code in _children(obj, "TextCode"):
            text = "".join(code.itertext())
            if text.strip():
                x, y = _floats(code.get("X"), 1)[0], _floats(code.get("Y"), 1)[0]
                runs.append(_Run(bx + x, by + y, size, text))
    return runs


def _lines(runs: list[_Run]) -> str:
    """Runs in lines from the top, each line from the left; a gap wider than a character
    between two runs of a line (a table's next cell) becomes a tab."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) < LINE_TOLERANCE * run.size:
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for line in lines:
        parts, end = [], None
        for run in sorted(line, key=lambda r: r.x):
            if end is not None and run.x - end > run.size:
                parts.append("\t")
            parts.append(run.text)
            end = run.x + run.size * len(run.text)
        out.append("".join(parts).rstrip())
    return "\n".join(out).strip()


def _metadata(body: Element | None) -> dict[str, Any]:
    info = _child(body, "DocInfo")
    out: dict[str, Any] = {}
    for key, tag in (("title", "Title"), ("author", "Author"), ("created", "CreationDate")):
        node = _child(info, tag)
        if node is not None and (node.text or "").strip():
            out[key] = (node.text or "").strip()
    return out
