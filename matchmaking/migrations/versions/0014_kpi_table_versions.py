"""kpi_table_versions (a stamp per table, new on every committed write)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "kpi_table_versions",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_kpi_table_versions")),
    )
    # Every table there is now; a table added later gets its row on its first write.
    names = sorted(sa.inspect(op.get_bind()).get_table_names())
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {"table_name": name, "version": secrets.randbits(62), "changed_at": now}
            for name in names
            if name != "alembic_version"
        ],
    )


def downgrade() -> None:
    op.drop_table("kpi_table_versions")
