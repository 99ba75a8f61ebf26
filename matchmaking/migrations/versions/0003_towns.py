"""towns: the district's towns as rows; organizations and staff refer to them

Every distinct non-empty free-text town of ``organizations.town`` and
``users.town`` becomes a row (none is lost), the new ``town_id`` columns are
filled from it, then the text columns are dropped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copies of the tables as this migration sees them (not the app's models).
towns = sa.table(
    "towns",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("is_active", sa.Boolean),
)
organizations = sa.table(
    "organizations", sa.column("town", sa.String), sa.column("town_id", sa.Integer)
)
users = sa.table("users", sa.column("town", sa.String), sa.column("town_id", sa.Integer))


def upgrade() -> None:
    op.create_table(
        "towns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_towns")),
        sa.UniqueConstraint("code", name=op.f("uq_towns_code")),
        sa.UniqueConstraint("name", name=op.f("uq_towns_name")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("town_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organizations_town_id_towns"), "towns", ["town_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_organizations_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("town_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_town_id_towns"), "towns", ["town_id"], ["id"]
        )

    # Every town anyone typed becomes a row, in name order, numbered codes.
    conn = op.get_bind()
    names: set[str] = set()
    for table in (organizations, users):
        for (value,) in conn.execute(sa.select(table.c.town).distinct()):
            if value and value.strip():
                names.add(value.strip())
    rows = [
        {"code": f"town{n:03d}", "name": name, "position": n, "is_active": True}
        for n, name in enumerate(sorted(names), start=1)
    ]
    if rows:
        op.bulk_insert(towns, rows)
    for table in (organizations, users):
        town_id = (
            sa.select(towns.c.id)
            .where(towns.c.name == sa.func.trim(table.c.town))
            .scalar_subquery()
        )
        conn.execute(
            sa.update(table).where(sa.func.trim(table.c.town) != "").values(town_id=town_id)
        )

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_town"))
        batch_op.drop_column("town")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("town")


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("town", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_organizations_town"), ["town"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("town", sa.String(length=64), server_default="", nullable=False)
        )
    conn = op.get_bind()
    for table in (organizations, users):
        name = sa.select(towns.c.name).where(towns.c.id == table.c.town_id).scalar_subquery()
        conn.execute(sa.update(table).where(table.c.town_id.is_not(None)).values(town=name))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_town_id_towns"), type_="foreignkey")
        batch_op.drop_column("town_id")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_organizations_town_id_towns"), type_="foreignkey")
        batch_op.drop_column("town_id")
    op.drop_table("towns")
