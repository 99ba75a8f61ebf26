from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, utcnow


class ImportJob(Base):
    """A web import run by the worker: the rows done so far, then what it kept and refused.

    The worker commits the rows in chunks, each in a short write with this row's
    progress, so the person who started it sees it advance (and other people's edits
    are never kept waiting for the whole file).
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The stored upload (matchmaking.importing.uploads) and the name the user gave it.
    upload_token: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200), default="")
    # queued → running → done | failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)  # data rows (0 until read)
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows handled so far
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    # The refused rows so far: [{"row", "message", "values"}].
    errors: Mapped[Any] = mapped_column(JSON, default=list)
    # The sheet of refused rows to fix (an upload token), once done.
    errors_token: Mapped[str] = mapped_column(String(32), default="")
    # Why a failed job stopped (Chinese, for the page).
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
