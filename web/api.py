"""JSON API: documents and households (DESIGN.md's shapes), and the caller's account.

Every route names its permission (`require`); listings are limited to the caller's
villages; ID numbers are masked unless the role may see them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from dangan.archive.errors import Destroyed, NotFound
from dangan.archive.serialize import document_json, household_json
from dangan.archive.users import Account
from dangan.retention.disposal import destruction_notice
from dangan.web.auth import require
from dangan.web.deps import get_archive, read_session
from dangan.web.downloads import original_response
from dangan.web.lookup import MAX_ID, households_query, visible_document, visible_documents
from dangan.web.privacy import mask_household, mask_text

router = APIRouter(prefix="/api", tags=["档案"])
SessionDep = Annotated[Session, Depends(read_session)]
Reader = Annotated[Account, Depends(require("read"))]

DocId = Annotated[int, Path(ge=1, le=MAX_ID, description="文件 ID")]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录或令牌无效"},
    403: {"description": "角色或所属村不允许"},
    404: {"description": "不存在"},
}


@router.get("/me", tags=["账户"], responses=ERRORS)
def me(user: Annotated[Account, Depends(require("account"))]) -> dict[str, Any]:
    """当前用户及其角色、负责的村。"""
    return user.as_dict()


@router.get("/docs", responses=ERRORS)
def list_docs(
    request: Request,
    session: SessionDep,
    user: Reader,
    village: str | None = None,
    household: str | None = None,
    doc_type: Annotated[str | None, Query(alias="type")] = None,
    status: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> list[dict[str, Any]]:
    """档案文件列表(同 `dangan docs list --json`), 限于本人负责的村。"""
    scheme = get_archive(request).scheme
    docs = visible_documents(
        session,
        user,
        village=village,
        household=household,
        doc_type=doc_type,
        status=status,
        limit=limit,
    )
    return [document_json(d, scheme) for d in docs]


@router.get("/docs/{document_id}", responses=ERRORS)
def show_doc(
    request: Request, session: SessionDep, user: Reader, document_id: DocId
) -> dict[str, Any]:
    """一件档案及其识别文本(同 `dangan docs show --json`); 含个人信息时记入日志。"""
    arc = get_archive(request)
    doc = visible_document(session, user, document_id)
    data = document_json(doc, arc.scheme, with_text=True)
    data["text"] = mask_text(data["text"], user)
    request.app.state.read_journal.record(arc, user, doc, "api")
    return data


@router.get(
    "/docs/{document_id}/original",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=FileResponse,
)
def download_original(
    request: Request, session: SessionDep, user: Reader, document_id: DocId
) -> FileResponse:
    """下载原件(记入日志)。"""
    arc = get_archive(request)
    doc = visible_document(session, user, document_id)
    response = original_response(arc, doc)
    request.app.state.read_journal.record(arc, user, doc, "download")
    return response


@router.get(
    "/docs/{document_id}/signatures/{index}",
    responses={**ERRORS, 200: {"content": {"image/png": {}}}},
    response_class=Response,
)
def signature_field(
    request: Request,
    session: SessionDep,
    user: Reader,
    document_id: DocId,
    index: Annotated[int, Path(ge=0, le=999, description="签字处序号(从 0 起)")],
) -> Response:
    """一件档案上一处签字栏的截图(PNG), 档案检查“未签字”的证据; 记入日志。"""
    arc = get_archive(request)
    doc = visible_document(session, user, document_id)
    if doc.status == "destroyed":
        raise Destroyed(destruction_notice(doc))
    fields = (doc.extra or {}).get("signatures") or []
    if index >= len(fields):
        raise NotFound(f"文件 {document_id} 没有第 {index} 处签字栏")
    data = arc.store.read_bytes(fields[index]["crop"], verify=True)
    request.app.state.read_journal.record(arc, user, doc, "image", dedupe=True)
    return Response(
        data, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/households", responses=ERRORS)
def list_households(session: SessionDep, user: Reader) -> list[dict[str, Any]]:
    """建档立卡户及其帮扶责任人, 限于本人负责的村; 身份证号按角色遮蔽。"""
    return [
        mask_household(household_json(h), user) for h in session.scalars(households_query(user))
    ]
