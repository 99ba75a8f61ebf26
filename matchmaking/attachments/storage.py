"""The bytes of attachments on disk: streamed in under a cap, sniffed, renamed into place.

Files live under ``<data_dir>/attachments/<key>``, ``key`` = ``ab/ab…`` (32 random hex
digits, the first two as a directory): never derived from the name the user gave the
file. An upload is written to a temporary file in the same directory tree and renamed
into place only when it is complete and of an allowed type, so a reader never sees a
half-written file and a refused upload leaves nothing behind.

The database row is committed by the request after the file is in place; the session
hooks below remove a written file when that transaction rolls back (a failed commit
included), and remove a deleted attachment's file only once its deletion is committed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from matchmaking.exceptions import InvalidInput

CHUNK = 64 * 1024
# Enough of the head of a file to tell its type.
HEAD = 16
KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")
MAX_NAME_CHARS = 200
DEFAULT_NAME = "附件"
# [Content_Types].xml of a real DOCX/XLSX is a few KB; read no more than this of it.
MAX_CONTENT_TYPES = 1024 * 1024
ALLOWED_TEXT = "PDF、JPG、PNG、DOCX、XLSX"
# Characters Windows refuses in a file name: replaced in the name shown and downloaded.
_RESERVED = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    extensions: tuple[str, ...]  # the first one is added to a download name lacking it


PDF = FileType("application/pdf", "PDF", (".pdf",))
JPEG = FileType("image/jpeg", "JPG", (".jpg", ".jpeg"))
PNG = FileType("image/png", "PNG", (".png",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX", (".docx",)
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", (".xlsx",)
)
TYPES = {t.content_type: t for t in (PDF, JPEG, PNG, DOCX, XLSX)}
# The main part a DOCX / XLSX declares in [Content_Types].xml, and the part it must have.
# Macro-enabled files (.docm, .xlsm) declare other types and are refused.
_OOXML = (
    (DOCX, b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
     "word/document.xml"),
    (XLSX, b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
     "xl/workbook.xml"),
)  # fmt: skip


def not_allowed(detail: str = "") -> InvalidInput:
    prefix = f"{detail}：" if detail else ""
    return InvalidInput(
        f"{prefix}只能上传 {ALLOWED_TEXT} 格式的文件（按文件内容识别，与扩展名无关）",
        field="file",
    )


def too_large(max_bytes: int) -> InvalidInput:
    return InvalidInput(
        f"文件超过 {max_bytes // (1024 * 1024)} MB，请压缩或拆分后再上传", field="file"
    )


# -- names ----------------------------------------------------------------------------
def sanitise_filename(raw: str | None) -> str:
    """The name to show and to offer on download: its last path component, without
    control or format characters (a right-to-left override hides an extension), at most
    200 characters with the extension kept. Never used on disk."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _RESERVED.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return DEFAULT_NAME
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def download_name(filename: str, file_type: FileType) -> str:
    """The name as stored, with the extension of what the file is when it says otherwise
    (a PNG uploaded as “扫描.pdf” downloads as “扫描.pdf.png”)."""
    if Path(filename).suffix.lower() in file_type.extensions:
        return filename
    return filename + file_type.extensions[0]


# -- paths ----------------------------------------------------------------------------
def path_of(root: Path, key: str) -> Path:
    """Where the file of ``key`` lives; a key that is not one of ours is refused."""
    if not KEY.match(key):
        raise ValueError(f"not an attachment storage key: {key!r}")
    return root / key


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


# -- writing --------------------------------------------------------------------------
@dataclass(frozen=True)
class Stored:
    key: str
    path: Path
    size: int
    sha256: str
    file_type: FileType


def store(root: Path, source: BinaryIO, max_bytes: int) -> Stored:
    """Copy ``source`` in chunks to a new file under ``root``, refusing it once it passes
    ``max_bytes`` (the rest is never read) or when its bytes are not an allowed type."""
    key = new_key()
    final = path_of(root, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = root / f".incoming-{secrets.token_hex(16)}"
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InvalidInput("文件是空的，请重新选择", field="file")
        file_type = sniff(tmp, head)
        os.rename(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Stored(key, final, size, digest.hexdigest(), file_type)


def sniff(path: Path, head: bytes) -> FileType:
    """What the bytes are, whatever the file is called."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise not_allowed("旧版 Word/Excel 文件（.doc/.xls）请另存为 DOCX、XLSX 或 PDF")
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise not_allowed("这是一个程序文件，不能上传")
    raise not_allowed()


def _ooxml(path: Path) -> FileType:
    """A zip is a DOCX or an XLSX only when its [Content_Types].xml declares the main
    document part and the part is there."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names:
                raise not_allowed("压缩包不是 Word 或 Excel 文件")
            with zf.open("[Content_Types].xml") as part:
                declared = part.read(MAX_CONTENT_TYPES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise not_allowed("文件已损坏或不是有效的 Word/Excel 文件") from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted
        raise not_allowed("文件加密或压缩方式无法识别") from exc
    if len(declared) <= MAX_CONTENT_TYPES:
        for file_type, main, part_name in _OOXML:
            if main in declared and part_name in names:
                return file_type
    raise not_allowed("压缩包不是 Word（DOCX）或 Excel（XLSX）文件（含宏的文件也不接受）")


# -- the transaction decides ------------------------------------------------------------
_HOOKED = "matchmaking.attachments.hooked"
_WRITTEN = "matchmaking.attachments.written"
_DOOMED = "matchmaking.attachments.doomed"


def _hook(session: Session) -> None:
    if session.info.get(_HOOKED):
        return
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_soft_rollback", _after_soft_rollback)
    session.info[_HOOKED] = True


def keep_if_committed(session: Session, path: Path) -> None:
    """``path`` was written for a row of this session: removed if it rolls back."""
    _hook(session)
    session.info.setdefault(_WRITTEN, []).append(path)


def remove_when_committed(session: Session, path: Path) -> None:
    """``path`` belongs to a row this session deletes: removed once that is committed."""
    _hook(session)
    session.info.setdefault(_DOOMED, []).append(path)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_DOOMED, []):
        path.unlink(missing_ok=True)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        return
    session.info.pop(_DOOMED, None)
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
