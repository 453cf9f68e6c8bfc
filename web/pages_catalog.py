"""目录: the 归档文件目录 of a village, household, year or retention period, and the box
labels, to download. An account limited to some villages chooses one of them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from dangan.archive.errors import InputError, NotFound
from dangan.archive.users import Account
from dangan.web.auth import Forbidden, require
from dangan.web.deps import get_archive
from dangan.web.permissions import scoped, village_allowed, visible_villages
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Account, Depends(require("catalog"))]

FORMATS = {
    "xlsx": ("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("PDF(打印)", "application/pdf"),
    "docx": (
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "csv": ("CSV", "text/csv"),
}


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request, user: Reader) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        villages = [(v.code, v.name) for v in visible_villages(session, user)]
    return render(
        request,
        "catalog.html",
        {
            "villages": villages,
            "all_villages": not scoped(user),
            "formats": [(k, label) for k, (label, _) in FORMATS.items()],
            "retention": list(arc.scheme.retention_names.items()),
            "box": arc.scheme.box,
        },
    )


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"年度应为四位数字: {text[:20]}")
    return int(text)


def _made(request: Request, user: Account, village: str, household: str, year: str, retention: str):  # type: ignore[no-untyped-def]
    from dangan.archive.catalog import build_catalog, resolve_scope

    village, household = village.strip()[:100], household.strip()[:100]
    if scoped(user) and not village:
        raise Forbidden("请选择您负责的村")
    arc = get_archive(request)
    with arc.db.read() as session:
        scope = resolve_scope(
            session,
            arc.scheme,
            village=village or None,
            household=household or None,
            year=_year(year),
            retention=retention.strip() or None,
        )
        if scope.village is not None and not village_allowed(user, scope.village.code):
            raise Forbidden("只能下载您负责的村的目录")
        if scope.household is not None and not village_allowed(user, scope.household.village.code):
            raise Forbidden("只能下载您负责的村的目录")
        return arc, scope, build_catalog(session, arc.scheme, scope)


def _send(path: Path, folder: Path, media: str, name: str) -> FileResponse:
    return FileResponse(
        path,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="catalog{path.suffix}"; '
            f"filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/catalog/download")
def catalog_download(
    request: Request,
    user: Reader,
    format: str = "xlsx",
    village: str = "",
    household: str = "",
    year: str = "",
    retention: str = "",
) -> Response:
    from dangan.archive.catalog_print import write_catalog

    if format not in FORMATS:
        raise NotFound(f"没有 .{format[:10]} 格式的目录, 可选 {'、'.join(FORMATS)}")
    arc, scope, made = _made(request, user, village, household, year, retention)
    folder = Path(tempfile.mkdtemp(prefix="dangan-catalog-"))
    try:
        path = write_catalog(made, folder / f"catalog.{format}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    request.app.state.read_journal.record_catalog(arc, user, format, scope.text, made.count)
    name = f"归档文件目录_{scope.text}.{format}".replace("/", "_").replace(",", "_")
    return _send(path, folder, FORMATS[format][1], name)


@router.get("/catalog/labels.pdf")
def labels_download(request: Request, user: Reader, village: str = "", year: str = "") -> Response:
    from dangan.archive.catalog import boxes
    from dangan.archive.catalog_print import write_labels

    arc, scope, made = _made(request, user, village, "", year, "")
    folder = Path(tempfile.mkdtemp(prefix="dangan-labels-"))
    try:
        path = write_labels(made, boxes(made, arc.scheme.box), arc.scheme.box, folder / "boxes.pdf")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    request.app.state.read_journal.record_catalog(arc, user, "labels", scope.text, made.count)
    return _send(path, folder, "application/pdf", f"档案盒标签_{scope.text}.pdf".replace(",", "_"))
