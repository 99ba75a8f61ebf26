"""Atomic on-disk snapshots: data files first, then a manifest that names them.

A reader trusts nothing that the manifest does not vouch for: every file's
sha256 is checked, so a torn write or a corrupt file is detected and the
caller rebuilds instead of serving it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


class SnapshotError(Exception):
    """The snapshot is missing, corrupt or does not match what the caller expects."""


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_snapshot(directory: Path, files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    """Write ``files`` under a new generation, then switch the manifest to them."""
    directory.mkdir(parents=True, exist_ok=True)
    generation = int(manifest.get("watermark", 0))
    previous = _read_manifest_raw(directory)
    names: dict[str, dict[str, str]] = {}
    for logical, data in files.items():
        name = f"{logical}-{generation}-{os.getpid()}"
        atomic_write(directory / name, data)
        names[logical] = {"file": name, "sha256": hashlib.sha256(data).hexdigest()}
    body = dict(manifest, files=names)
    atomic_write(directory / MANIFEST, json.dumps(body, ensure_ascii=False, indent=1).encode())
    keep = {entry["file"] for entry in names.values()} | {MANIFEST}
    if previous:
        for entry in previous.get("files", {}).values():
            if entry.get("file") not in keep:
                (directory / entry["file"]).unlink(missing_ok=True)


def _read_manifest_raw(directory: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def read_snapshot(
    directory: Path, expect: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return (manifest, files) if every file checks out and ``expect`` matches."""
    manifest = _read_manifest_raw(directory)
    if manifest is None:
        raise SnapshotError(f"no readable manifest in {directory}")
    for key, value in expect.items():
        if manifest.get(key) != value:
            raise SnapshotError(f"snapshot {key} is {manifest.get(key)!r}, expected {value!r}")
    files: dict[str, bytes] = {}
    for logical, entry in manifest.get("files", {}).items():
        path = directory / entry["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SnapshotError(f"snapshot file {path} unreadable: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise SnapshotError(f"snapshot file {path} is corrupt (checksum mismatch)")
        files[logical] = data
    return manifest, files


__all__ = ["SnapshotError", "atomic_write", "read_snapshot", "write_snapshot"]
