"""移交: the administrator writes a village's transfer package for the county archive
into the archive's exports folder, and sees the packages written so far."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from dangan.archive.errors import DanganError
from dangan.archive.models import Transfer, Village
from dangan.archive.printing import china_time
from dangan.archive.queries import resolve_village
from dangan.archive.users import Account
from dangan.web.auth import require
from dangan.web.deps import get_archive
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Account, Depends(require("transfer"))]


def _page(request: Request, *, done: str | None = None, error: str | None = None) -> Response:
    arc = get_archive(request)
    with arc.db.read() as session:
        villages = [
            (v.code, v.name) for v in session.scalars(select(Village).order_by(Village.code))
        ]
        rows = session.execute(
            select(Transfer, Village.code, Village.name)
            .join(Village, Transfer.village_id == Village.id)
            .order_by(Transfer.id.desc())
        ).all()
        transfers = [
            {
                "id": t.id,
                "village": f"{code} {name}",
                "year": t.year or "全部",
                "count": t.items,
                "bytes": t.byte_count,
                "path": t.path,
                "by": t.actor,
                "at": china_time(t.created_at),
            }
            for t, code, name in rows
        ]
    return render(
        request,
        "transfer.html",
        {"villages": villages, "transfers": transfers, "done": done, "error": error},
        status_code=400 if error else 200,
    )


@router.get("/transfer", response_class=HTMLResponse)
def transfer_page(request: Request, user: Admin) -> Response:
    return _page(request)


@router.post("/transfer", response_class=HTMLResponse)
def transfer_export(
    request: Request,
    user: Admin,
    village: Annotated[str, Form()],
    year: Annotated[str, Form()] = "",
) -> Response:
    from dangan.retention.transfer import export

    arc = get_archive(request)
    try:
        chosen_year = int(year) if year.strip() else None
    except ValueError:
        return _page(request, error=f"年度应为四位数字: {year[:20]}")
    try:
        with arc.db.write() as session:
            row = resolve_village(session, village.strip()[:100])
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            folder = arc.settings.exports_dir / f"移交_{row.code}_{chosen_year or '全部'}_{stamp}"
            done = export(arc, session, row, chosen_year, folder, actor=user.username)
    except DanganError as exc:
        return _page(request, error=str(exc))
    message = f"移交包已写入 {done.path}: {done.items} 件, {done.byte_count} 字节"
    if done.failures:
        message += f"; 检测不通过 {len(done.failures)} 项, 请在四性检测页查看"
    return _page(request, done=message)
