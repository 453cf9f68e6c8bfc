from __future__ import annotations

import hashlib
import os
import stat

import pytest

from dangan.archive.errors import IntegrityFailure, NotFound
from dangan.archive.store import ContentStore


def test_put_is_content_addressed_and_read_only(tmp_path):
    store = ContentStore(tmp_path / "store")
    data = "扶贫手册".encode() * 100
    result = store.put_bytes(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert (
        result.path == tmp_path / "store" / result.sha256[:2] / result.sha256[2:4] / result.sha256
    )
    assert result.path.read_bytes() == data
    assert not result.existed
    assert not stat.S_IMODE(result.path.stat().st_mode) & 0o222
    assert list((tmp_path / "store" / "tmp").iterdir()) == []


def test_same_content_twice_is_stored_once(tmp_path):
    store = ContentStore(tmp_path)
    first = store.put_bytes(b"same")
    inode = first.path.stat().st_ino
    second = store.put_bytes(b"same")
    assert second.existed and second.sha256 == first.sha256
    assert second.path.stat().st_ino == inode


def test_never_overwrites_an_existing_blob(tmp_path):
    store = ContentStore(tmp_path)
    first = store.put_bytes(b"original")
    # Even if a tampered blob sits under the name, a new put does not replace it.
    os.chmod(first.path, 0o644)
    first.path.write_bytes(b"tampered")
    again = store.put_bytes(b"original")
    assert again.existed
    assert first.path.read_bytes() == b"tampered"
    assert not store.verify(first.sha256)


def test_verify_detects_corruption(tmp_path):
    store = ContentStore(tmp_path)
    result = store.put_bytes(b"page one")
    assert store.verify(result.sha256)
    os.chmod(result.path, 0o644)
    result.path.write_bytes(b"page 0ne")
    assert not store.verify(result.sha256)
    with pytest.raises(IntegrityFailure):
        store.read_bytes(result.sha256, verify=True)


def test_missing_blob_is_a_clear_error(tmp_path):
    store = ContentStore(tmp_path)
    with pytest.raises(NotFound, match="缺少文件"):
        store.open("0" * 64)
    assert not store.verify("0" * 64)


def test_size_limit_leaves_nothing_behind(tmp_path):
    from io import BytesIO

    from dangan.archive.errors import StoreError

    store = ContentStore(tmp_path)
    with pytest.raises(StoreError, match="大小上限"):
        store.put_stream(BytesIO(b"x" * 5000), max_bytes=1000)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert [p for p in tmp_path.iterdir() if p.name != "tmp"] == []
