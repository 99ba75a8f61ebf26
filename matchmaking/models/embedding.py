from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.models.base import Base, utcnow


class Embedding(Base):
    """The vector of one item under one model: the source of truth for every index."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("kind", "item_id", "model_id", name="uq_embeddings_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    # float32, little-endian, L2-normalised.
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IndexChange(Base):
    """An append-only log of item changes; index caches replay it past their watermark."""

    __tablename__ = "index_changes"
    # Ids are never handed out twice, even after the newest rows are deleted: an index
    # cache's watermark is an id, and a reused one would hide new changes from it.
    # (PostgreSQL's sequence never goes back; SQLite needs AUTOINCREMENT, migration 0007.)
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    item_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
