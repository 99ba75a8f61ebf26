"""index_changes ids are never reused: SQLite AUTOINCREMENT

An index cache's watermark is the last change id it applied. Without AUTOINCREMENT,
SQLite hands out max(id) + 1, so after the newest rows are deleted the next changes
get ids a cache has already passed, and it never applies them. SQLite cannot add
AUTOINCREMENT to a column in place: the table is rebuilt, keeping every row and id
(``sqlite_sequence`` then starts from the largest id kept). PostgreSQL's sequence never
hands a value out twice: nothing to do there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    op.create_table(
        "_index_changes_new",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_index_changes"),
        sqlite_autoincrement=autoincrement,
    )
    op.execute(
        "INSERT INTO _index_changes_new (id, kind, item_id, created_at)"
        " SELECT id, kind, item_id, created_at FROM index_changes ORDER BY id"
    )
    op.drop_index("ix_index_changes_kind", table_name="index_changes")
    op.drop_table("index_changes")
    op.rename_table("_index_changes_new", "index_changes")
    op.create_index("ix_index_changes_kind", "index_changes", ["kind"], unique=False)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
