"""The stored original of an item, as a download under the name it was uploaded with."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi.responses import FileResponse

from dangan.archive.context import Archive
from dangan.archive.errors import Destroyed, NotFound
from dangan.archive.models import Document
from dangan.retention.disposal import destruction_notice

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
    "heic": "image/heic",
}


def original_response(arc: Archive, doc: Document) -> FileResponse:
    if doc.status == "destroyed":
        raise Destroyed(destruction_notice(doc))
    path = arc.store.path(doc.file.sha256)
    if not path.exists():
        raise NotFound(f"存储中缺少文件 {doc.id} 的原件")
    name = PurePosixPath(doc.file.original_name.replace("\\", "/")).name or f"{doc.id}"
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(doc.file.media_type or "", "application/octet-stream"),
        filename=name,
    )
