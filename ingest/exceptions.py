"""Errors raised while turning an uploaded file into text.

Each names the file and gives the reason in Chinese: `str(err)` is "<file name>: <reason>",
shown to the user as it is and stored on the failed item. All are `InputError`s, so the CLI
exits with code 2 and the original upload is kept.
"""

from __future__ import annotations

from dangan.archive.errors import InputError


class IngestError(InputError):
    """A file that cannot be turned into text; `name` is the file, `reason` says why."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class UnsupportedFormat(IngestError):
    """Not a format `ingest.sniff` accepts (decided by content, not by name)."""


class LimitExceeded(IngestError):
    """Over a limit that protects the machine (size, pages, pixels, zip size or ratio)."""


class EncryptedDocument(IngestError):
    """Encrypted or password-protected: the archive must be readable without a password."""


class CorruptFile(IngestError):
    """Truncated or damaged: the declared format cannot be read."""


class UnsafeArchive(IngestError):
    """A ZIP whose member paths or types could escape or fool the extractor."""


class ConversionFailed(IngestError):
    """LibreOffice could not convert the file (damaged, or over the time allowed)."""


class OcrFailed(IngestError):
    """The OCR engine failed or timed out on a page."""
