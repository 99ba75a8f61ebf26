"""contest: quarterly contest rules per year and bonus points per town and quarter

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contest_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("completion_cap_pct", sa.Integer(), nullable=False),
        sa.Column("bonus_cap", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"],
            ["users.id"],
            name=op.f("fk_contest_rules_updated_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_rules")),
        sa.UniqueConstraint("year", name=op.f("uq_contest_rules_year")),
    )
    op.create_table(
        "contest_bonuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_contest_bonuses_town_id_towns")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_contest_bonuses_created_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_bonuses")),
    )
    with op.batch_alter_table("contest_bonuses", schema=None) as batch_op:
        batch_op.create_index("ix_contest_bonuses_year_quarter", ["year", "quarter"], unique=False)
        batch_op.create_index(batch_op.f("ix_contest_bonuses_town_id"), ["town_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contest_bonuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_bonuses_town_id"))
        batch_op.drop_index("ix_contest_bonuses_year_quarter")
    op.drop_table("contest_bonuses")
    op.drop_table("contest_rules")
