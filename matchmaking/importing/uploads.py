"""Uploaded files kept between the preview and the confirmation of an import.

The bytes are stored under ``<data_dir>/uploads`` with a random name (never the
name the user gave the file); the caller gets a token to load them back. The
original file name is kept only as data (its extension tells .xlsx from .csv).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from matchmaking.config import Settings
from matchmaking.exceptions import InvalidInput, NotFound
from matchmaking.importing.tables import MAX_BYTES

TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE = timedelta(days=1)
_NAME_CHARS = 120


@dataclass(frozen=True)
class Upload:
    token: str
    data: bytes
    filename: str  # as the user named it; display and format detection only
    kind: str
    owner_id: int | None


def upload_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def _paths(settings: Settings, token: str) -> tuple[Path, Path]:
    if not isinstance(token, str) or not TOKEN.match(token):
        raise NotFound("上传的文件不存在或已过期，请重新上传")
    base = upload_dir(settings)
    return base / f"{token}.bin", base / f"{token}.json"


def _display_name(filename: str) -> str:
    # Only the last path component, without control characters; never used on disk.
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[-_NAME_CHARS:] or "upload"


def save(
    settings: Settings,
    data: bytes,
    *,
    filename: str,
    kind: str,
    owner_id: int | None = None,
) -> str:
    """Store an upload and return its token; uploads older than a day are removed first."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后导入")
    purge(settings)
    base = upload_dir(settings)
    base.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    blob, meta = _paths(settings, token)
    # O_EXCL: a token is never reused, even if two requests drew the same one.
    fd = os.open(blob, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    info = {"filename": _display_name(filename), "kind": kind, "owner_id": owner_id}
    meta.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    return token


def load(settings: Settings, token: str) -> Upload:
    """The upload stored under ``token``; NotFound if the token is malformed or expired."""
    blob, meta = _paths(settings, token)
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        data = blob.read_bytes()
    except (OSError, ValueError) as exc:
        raise NotFound("上传的文件不存在或已过期，请重新上传") from exc
    return Upload(
        token=token,
        data=data,
        filename=str(info.get("filename", "upload")),
        kind=str(info.get("kind", "")),
        owner_id=info.get("owner_id"),
    )


def delete(settings: Settings, token: str) -> None:
    """Remove an upload (after its import); a missing one is not an error."""
    for path in _paths(settings, token):
        path.unlink(missing_ok=True)


def purge(settings: Settings, *, max_age: timedelta = MAX_AGE, now: float | None = None) -> int:
    """Remove uploads older than ``max_age``; returns how many were removed."""
    base = upload_dir(settings)
    if not base.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    removed: set[str] = set()
    for path in base.iterdir():
        if path.suffix not in (".bin", ".json") or not TOKEN.match(path.stem):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.add(path.stem)
        except FileNotFoundError:
            continue  # removed by another process meanwhile
    return len(removed)
