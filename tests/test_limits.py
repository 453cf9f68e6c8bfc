"""The limits that protect the machine, and their environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.archive.errors import InputError
from dangan.ingest.exceptions import IngestError, LimitExceeded
from dangan.ingest.limits import Limits


def test_defaults() -> None:
    limits = Limits()
    assert limits.max_file_bytes == 200 * 1024 * 1024
    assert limits.max_pdf_pages == 500
    assert limits.max_image_pixels == 150_000_000
    assert limits.max_zip_total_bytes == 2 * 1024**3
    assert limits.max_zip_ratio == 100
    assert limits.max_zip_entries == 2000


def test_from_env_reads_each_variable() -> None:
    limits = Limits.from_env(
        {
            "DANGAN_MAX_FILE_BYTES": "300M",
            "DANGAN_MAX_PDF_PAGES": "20",
            "DANGAN_MAX_IMAGE_PIXELS": "1000000",
            "DANGAN_MAX_ZIP_BYTES": "1G",
            "DANGAN_MAX_ZIP_RATIO": "50.5",
            "DANGAN_MAX_ZIP_ENTRIES": "10",
        }
    )
    assert limits == Limits(300 * 1024 * 1024, 20, 1_000_000, 1024**3, 50.5, 10)


def test_from_env_ignores_empty_and_uses_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGAN_MAX_PDF_PAGES", "7")
    monkeypatch.setenv("DANGAN_MAX_ZIP_ENTRIES", "")
    limits = Limits.from_env()
    assert limits.max_pdf_pages == 7
    assert limits.max_zip_entries == 2000


@pytest.mark.parametrize("value", ["many", "-5", "0", "10X"])
def test_bad_env_value_names_the_variable(value: str) -> None:
    with pytest.raises(InputError, match="DANGAN_MAX_PDF_PAGES"):
        Limits.from_env({"DANGAN_MAX_PDF_PAGES": value})


def test_file_size_limit_names_file_and_sizes(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"0" * 3000)
    with pytest.raises(LimitExceeded) as info:
        Limits(max_file_bytes=2048).check_path_size(path, "户档案.pdf")
    err = info.value
    assert str(err).startswith("户档案.pdf: ")
    assert "超过上限 2.0 KB" in str(err)
    assert isinstance(err, IngestError) and isinstance(err, InputError)
    assert err.exit_code == 2
