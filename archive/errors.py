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
        super().__init__(
            f"数据库结构版本为 {current or '空'}, 程序需要 {head}: 请运行 dangan init 升级"
        )


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


class FilingRefused(InputError):
    """An item failed a filing-stage four-property check: it waits in review with the
    checks' reasons (`reasons`) rather than being filed."""

    def __init__(self, document_id: int, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(f"文件 {document_id} 未通过归档检测, 不能归档: " + ";".join(reasons))
