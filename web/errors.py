"""How failures reach the user: JSON under /api, a Chinese page elsewhere."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dangan.archive.errors import DanganError, Destroyed, NotAllowed, NotFound
from dangan.web.auth import Forbidden, NotAuthenticated, login_redirect
from dangan.web.csrf import CsrfFailed
from dangan.web.templating import render


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _anonymous(request: Request, _exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "未登录: 请登录或使用 API 令牌"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return login_redirect(request)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        return _page(request, 403, "无权访问", exc.message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        message = "请求缺少有效的 CSRF 令牌: 请刷新页面后重试"
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=403)
        return _page(request, 403, "表单已失效", message)

    @app.exception_handler(DanganError)
    async def _dangan_error(request: Request, exc: DanganError) -> Response:
        status, title = 400, "无法完成"
        if isinstance(exc, NotFound):
            status, title = 404, "未找到"
        elif isinstance(exc, Destroyed):
            status, title = 410, "已销毁"
        elif isinstance(exc, NotAllowed):
            status, title = 403, "无权访问"
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return _page(request, status, title, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code < 400:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        title = {404: "页面不存在", 405: "不支持的请求方法"}.get(exc.status_code, "请求有误")
        return _page(request, exc.status_code, title, str(exc.detail))


def form_error(exc: Exception) -> str:
    """A form's failure in words for the page it goes back to."""
    if isinstance(exc, ValidationError):
        fields = {"year": "年度应在 1949 至 2100 之间", "type": "文件类型代码过长"}
        names = [str(e["loc"][0]) for e in exc.errors() if e.get("loc")]
        return "; ".join(fields.get(n, f"{n} 输入有误") for n in names) or "输入有误"
    return str(exc)
