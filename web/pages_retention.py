"""保管期限与销毁 pages: status per village, holds, the 销毁清册 and its steps (propose,
extend, approve or reject, destroy before two witnesses), each for the role that may."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dangan.archive.errors import DanganError
from dangan.archive.users import Account
from dangan.retention import disposal
from dangan.web.api_retention import (
    DestroyRequest,
    HoldRequest,
    Witness,
    do_destroy,
    holds_json,
    today,
    village_summary,
    visible_list,
    visible_lists,
)
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.errors import form_error
from dangan.web.permissions import visible_villages
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Account, Depends(require("retention"))]


def _back(path: str, *, done: str | None = None, error: Exception | None = None) -> Response:
    if error is not None:
        return RedirectResponse(f"{path}?error={quote(form_error(error))}", status_code=303)
    return RedirectResponse(f"{path}?done={quote(done or '')}", status_code=303)


@router.get("/retention", response_class=HTMLResponse)
def overview(
    request: Request, user: Viewer, done: str | None = None, error: str | None = None
) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        context = {
            "summary": village_summary(session, arc, user),
            "holds": holds_json(session, user),
            "villages": [(v.code, v.name) for v in visible_villages(session, user)],
        }
    context.update(lists=visible_lists(arc, user), done=done, error=error)
    return render(request, "retention.html", context)


@router.get("/retention/lists/{list_id}", response_class=HTMLResponse)
def list_page(
    request: Request,
    user: Viewer,
    list_id: int,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    arc = get_archive(request)
    data = visible_list(arc, user, list_id)
    return render(
        request,
        "retention_list.html",
        {
            "l": data,
            "done": done,
            "error": error,
            "may_approve_self": user.username != data["proposed_by"],
        },
    )


@router.post("/retention/holds")
def hold_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_hold"))],
    reason: Annotated[str, Form()] = "",
    documents: Annotated[str, Form()] = "",
    village: Annotated[str, Form()] = "",
    household: Annotated[str, Form()] = "",
) -> Response:
    from dangan.web.api_retention import hold

    try:
        ids = [int(x) for x in documents.replace(",", " ").replace("，", " ").split()]
        rows = hold(
            request,
            user,
            HoldRequest(
                documents=ids,
                village=village.strip() or None,
                household=household.strip() or None,
                reason=reason.strip(),
            ),
        )
    except (DanganError, ValidationError, ValueError) as exc:
        return _back("/retention", error=exc)
    return _back("/retention", done="已冻结: " + "、".join(str(r["what"]) for r in rows))


@router.post("/retention/holds/{hold_id}/release")
def release_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_hold"))],
    hold_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    from dangan.web.api_retention import Reason, release

    try:
        row = release(request, user, hold_id, Reason(reason=reason.strip()))
    except (DanganError, ValidationError) as exc:
        return _back("/retention", error=exc)
    return _back("/retention", done=f"已解除冻结 #{hold_id}: {row['what']}")


@router.post("/retention/lists")
def propose_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_propose"))],
    village: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = disposal.propose(
            get_archive(request), user, village=village.strip() or None, today=today()
        )
    except DanganError as exc:
        return _back("/retention", error=exc)
    return _back(f"/retention/lists/{data['id']}", done=f"已提出销毁清册 {data['number']}, 待批准")


@router.post("/retention/lists/{list_id}/extend")
def extend_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_propose"))],
    list_id: int,
    document_id: Annotated[int, Form()],
    years: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    path = f"/retention/lists/{list_id}"
    try:
        if not years.strip().isdigit():
            raise DanganError("请填写延长的年数")
        data = disposal.extend(
            get_archive(request),
            user,
            document_id,
            years=int(years),
            reason=reason,
            actor=user.username,
            today=today(),
        )
    except DanganError as exc:
        return _back(path, error=exc)
    return _back(path, done=f"已延长保管 {data['archival_code']} {data['years']} 年")


@router.post("/retention/lists/{list_id}/approve")
def approve_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_approve"))],
    list_id: int,
) -> Response:
    path = f"/retention/lists/{list_id}"
    try:
        arc = get_archive(request)
        visible_list(arc, user, list_id)
        data = disposal.approve(arc, user, list_id, today=today())
    except DanganError as exc:
        return _back(path, error=exc)
    return _back(path, done=f"已批准销毁清册 {data['number']}")


@router.post("/retention/lists/{list_id}/reject")
def reject_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_approve"))],
    list_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    path = f"/retention/lists/{list_id}"
    try:
        arc = get_archive(request)
        visible_list(arc, user, list_id)
        data = disposal.reject(arc, user, list_id, reason=reason, today=today())
    except DanganError as exc:
        return _back(path, error=exc)
    return _back(path, done=f"已驳回销毁清册 {data['number']}")


@router.post("/retention/lists/{list_id}/destroy")
def destroy_form(
    request: Request,
    user: Annotated[Account, Depends(require("retention_destroy"))],
    list_id: int,
    witness1: Annotated[str, Form()] = "",
    password1: Annotated[str, Form()] = "",
    witness2: Annotated[str, Form()] = "",
    password2: Annotated[str, Form()] = "",
) -> Response:
    path = f"/retention/lists/{list_id}"
    try:
        pairs = [(witness1.strip(), password1), (witness2.strip(), password2)]
        if not all(name and secret for name, secret in pairs):
            raise DanganError("请填写两名监销人的用户名和密码")
        data = do_destroy(
            request,
            user,
            list_id,
            DestroyRequest(witnesses=[Witness(username=n, password=p) for n, p in pairs]),
        )
    except (DanganError, ValidationError) as exc:
        return _back(path, error=exc)
    count = sum(i["status"] == "destroyed" for i in data["items"])
    return _back(path, done=f"已按销毁清册 {data['number']} 销毁 {count} 件")
