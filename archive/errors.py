"""Every failure the archive names, each with the exit code the CLI returns for it."""

from __future__ import annotations


class DanganError(Exception):
    """A failure the user can act on; `str()` is the Chinese message shown to them."""

    exit_code = 1


class NotInitialised(DanganError):
    exit_code = 3

    def __init__(self, home: object) -> None:
        super().__init__(f"档案库尚未初始化: {home} (请先运行 dangan init)")


class SchemaOutOfDate(DanganError):
    exit_code = 3

    def __init__(self, current: str | None, head: str | None) -> None:
        if current is None:
            message = f"数据库中还没有档案库的表(程序需要结构版本 {head}): 请运行 dangan init"
        elif head is not None and current > head:  # revisions are zero-padded numbers
            message = (
                f"数据库结构版本 {current} 比本程序({head})新: "
                "请安装新版 dangan, 不要用旧版程序打开它"
            )
        else:
            message = (
                f"数据库结构版本为 {current}, 本程序需要 {head}: 请先备份"
                "(dangan backup create -o 备份目录), 再运行 dangan upgrade 升级"
            )
        super().__init__(message)


class InputError(DanganError):
    """Bad input: names the file (or row) and the reason."""

    exit_code = 2


class NotFound(DanganError):
    exit_code = 4


class StoreError(DanganError):
    exit_code = 5


class IntegrityFailure(DanganError):
    """A hash did not match: a stored file or the journal was altered."""

    exit_code = 6


class NotAllowed(DanganError):
    """The acting user's role or villages do not allow this step (the web answers 403)."""

    exit_code = 7


class Destroyed(DanganError):
    """The item's content was destroyed by a witnessed disposal (the web answers 410)."""

    exit_code = 4


class FilingRefused(InputError):
    """An item failed a filing-stage four-property check: it waits in review with the
    checks' reasons (`reasons`) rather than being filed."""

    def __init__(self, document_id: int, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(f"文件 {document_id} 未通过归档检测, 不能归档: " + ";".join(reasons))
