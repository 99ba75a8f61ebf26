"""kpi: annual targets per indicator and town, frozen monthly reports, dashboard indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("town_key", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("annual", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("monthly", sa.JSON(), nullable=True),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_kpi_targets_town_id_towns")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"],
            ["users.id"],
            name=op.f("fk_kpi_targets_updated_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_targets")),
        sa.UniqueConstraint("year", "indicator", "town_key", name="uq_kpi_targets_year_indicator"),
    )
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_targets_year"), ["year"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpi_targets_town_id"), ["town_id"], unique=False)

    op.create_table(
        "monthly_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"],
            ["users.id"],
            name=op.f("fk_monthly_reports_issued_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_reports")),
        sa.UniqueConstraint("year", "month", "version", name="uq_monthly_reports_version"),
    )
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tech_contracts_registered_town",
            ["registered_on", "status", "town_id", "flow", "amount_wan", "tech_amount_wan"],
            unique=False,
        )
    with op.batch_alter_table("contract_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contract_payments_received_contract",
            ["received_on", "contract_id", "amount_wan"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contract_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_payments_received_contract")
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_tech_contracts_registered_town")
    op.drop_table("monthly_reports")
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_targets_town_id"))
        batch_op.drop_index(batch_op.f("ix_kpi_targets_year"))
    op.drop_table("kpi_targets")
