"""Uploads kept between preview and confirmation: random names, tokens checked, expiry."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from matchmaking.config import Settings
from matchmaking.exceptions import InvalidInput, NotFound
from matchmaking.importing import tables, uploads


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


def test_upload_round_trip_under_a_random_name(settings: Settings) -> None:
    token = uploads.save(
        settings, b"PK\x03\x04data", filename="../../etc/passwd.xlsx", kind="needs", owner_id=7
    )
    stored = list(uploads.upload_dir(settings).iterdir())
    # The user's file name is nowhere on disk, and nothing left the uploads folder
    assert all("passwd" not in p.name for p in stored)
    assert {p.parent for p in stored} == {uploads.upload_dir(settings)}
    loaded = uploads.load(settings, token)
    assert loaded.data == b"PK\x03\x04data"
    assert (loaded.filename, loaded.kind, loaded.owner_id) == ("passwd.xlsx", "needs", 7)
    # Two uploads of the same file get different tokens
    assert uploads.save(settings, b"x", filename="a.csv", kind="needs") != token

    uploads.delete(settings, token)
    with pytest.raises(NotFound, match="重新上传"):
        uploads.load(settings, token)


@pytest.mark.parametrize(
    "token", ["../matchmaking.sqlite3", "..%2F..%2Fsecret", "a" * 31, "A" * 32, "/etc/passwd", ""]
)
def test_malformed_tokens_are_refused(settings: Settings, token: str) -> None:
    (settings.data_dir).mkdir(parents=True)
    (settings.data_dir / "matchmaking.sqlite3.bin").write_bytes(b"secret")
    with pytest.raises(NotFound):
        uploads.load(settings, token)
    with pytest.raises(NotFound):
        uploads.delete(settings, token)
    assert (settings.data_dir / "matchmaking.sqlite3.bin").exists()


def test_uploads_older_than_a_day_are_removed(settings: Settings) -> None:
    old = uploads.save(settings, b"old", filename="old.csv", kind="needs")
    for path in uploads.upload_dir(settings).glob(f"{old}.*"):
        two_days_ago = time.time() - 2 * 86400
        os.utime(path, (two_days_ago, two_days_ago))
    fresh = uploads.save(settings, b"fresh", filename="new.csv", kind="needs")  # purges too
    assert uploads.load(settings, fresh).data == b"fresh"
    with pytest.raises(NotFound):
        uploads.load(settings, old)
    assert uploads.purge(settings) == 0
    assert uploads.purge(settings, now=time.time() + 2 * 86400) == 1


def test_oversized_upload_is_not_stored(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="超过 20 MB"):
        uploads.save(settings, b"a" * (tables.MAX_BYTES + 1), filename="big.csv", kind="needs")
    assert not uploads.upload_dir(settings).exists() or not any(
        uploads.upload_dir(settings).iterdir()
    )
