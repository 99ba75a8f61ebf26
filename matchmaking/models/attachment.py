from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import AttachmentKind, AttachmentOwner
from matchmaking.models.base import Base, str_enum, utcnow


class Attachment(Base):
    """A file uploaded to an agreement, a contract or a payment (scan, 登记证明, 到账凭证).

    The bytes live under ``<data_dir>/attachments/<storage_key>``: a random name, never
    derived from the user's file name, which is kept (sanitised) only for display and
    the download's name. ``content_type`` is what the bytes are (sniffed), not what the
    browser claimed. The owner is polymorphic (``owner_kind``, ``owner_id``): no foreign key.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[AttachmentOwner] = mapped_column(str_enum(AttachmentOwner, 16))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind, 24))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
