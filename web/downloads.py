"""Files the platform hands out (Excel, Word, calendars, attachments): their media types and a
Content-Disposition that keeps a Chinese file name (RFC 5987) with an ASCII fallback
for old clients. The API and the pages both answer downloads through here."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS = "text/calendar; charset=utf-8"


def attachment(filename: str, fallback: str, disposition: str = "attachment") -> str:
    """Content-Disposition with an RFC 5987 UTF-8 name and an ASCII fallback."""
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(data: bytes, media_type: str, filename: str, fallback: str) -> Response:
    """A file to save, named ``filename`` (``fallback`` where UTF-8 names are not read)."""
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": attachment(filename, fallback)}
    )


def xlsx(data: bytes, filename: str, fallback: str) -> Response:
    return download(data, XLSX, filename, fallback)


def stored_file(path: Path, media_type: str, filename: str, fallback: str) -> FileResponse:
    """A stored upload (an attachment), streamed from disk as a file to save: never shown
    inline, and the browser is told not to guess another type than the one sniffed."""
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            "Content-Disposition": attachment(filename, fallback),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
