"""outcomes: cooperation agreements, technology contracts, payments, the audit log

Also ``dockings.origin`` (what led to a docking); dockings from before are "unknown".
The audit log is append-only: triggers refuse UPDATE and DELETE on PostgreSQL and
UPDATE on SQLite (where the test suite empties tables with DELETE).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity_kind", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("old_values", sa.JSON(), nullable=True),
        sa.Column("new_values", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_audit_log_actor_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_actor_user_id"), ["actor_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity_kind", "entity_id"], unique=False)

    op.create_table(
        "cooperation_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("company_org_id", sa.Integer(), nullable=False),
        sa.Column("partner_org_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("planned_amount_wan", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("attachment", sa.String(length=255), nullable=False),
        sa.Column("docking_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["company_org_id"],
            ["organizations.id"],
            name=op.f("fk_cooperation_agreements_company_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_cooperation_agreements_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["docking_id"],
            ["dockings.id"],
            name=op.f("fk_cooperation_agreements_docking_id_dockings"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_cooperation_agreements_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["partner_org_id"],
            ["organizations.id"],
            name=op.f("fk_cooperation_agreements_partner_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_cooperation_agreements_town_id_towns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperation_agreements")),
    )
    with op.batch_alter_table("cooperation_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_company_org_id"), ["company_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_docking_id"), ["docking_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_expert_id"), ["expert_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cooperation_agreements_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_origin"), ["origin"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_partner_org_id"), ["partner_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_signed_on"), ["signed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperation_agreements_town_id"), ["town_id"], unique=False
        )

    op.create_table(
        "tech_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contract_type", sa.String(length=16), nullable=False),
        sa.Column("contract_subtype", sa.String(length=32), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("seller_nature", sa.String(length=24), nullable=False),
        sa.Column("seller_region", sa.String(length=12), nullable=False),
        sa.Column("seller_org_id", sa.Integer(), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_nature", sa.String(length=24), nullable=False),
        sa.Column("buyer_region", sa.String(length=12), nullable=False),
        sa.Column("buyer_org_id", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("amount_wan", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("tech_amount_wan", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("tech_field", sa.String(length=32), nullable=False),
        sa.Column("ip_type", sa.String(length=24), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("registration_no", sa.String(length=16), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("not_registered_reason", sa.String(length=24), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contract_scan", sa.String(length=255), nullable=False),
        sa.Column("certificate", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("docking_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["cooperation_agreements.id"],
            name=op.f("fk_tech_contracts_agreement_id_cooperation_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_org_id"],
            ["organizations.id"],
            name=op.f("fk_tech_contracts_buyer_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_tech_contracts_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["docking_id"], ["dockings.id"], name=op.f("fk_tech_contracts_docking_id_dockings")
        ),
        sa.ForeignKeyConstraint(
            ["seller_org_id"],
            ["organizations.id"],
            name=op.f("fk_tech_contracts_seller_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_tech_contracts_town_id_towns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tech_contracts")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_tech_contracts_registration_no")),
    )
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_buyer_org_id"), ["buyer_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_contract_type"), ["contract_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_docking_id"), ["docking_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tech_contracts_flow"), ["flow"], unique=False)
        batch_op.create_index(batch_op.f("ix_tech_contracts_origin"), ["origin"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_registered_on"), ["registered_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_seller_org_id"), ["seller_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_signed_on"), ["signed_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tech_contracts_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_tech_contracts_status_signed_on", ["status", "signed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_tech_field"), ["tech_field"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tech_contracts_town_id"), ["town_id"], unique=False)

    op.create_table(
        "contract_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount_wan", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("attachment", sa.String(length=255), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["tech_contracts.id"],
            name=op.f("fk_contract_payments_contract_id_tech_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_contract_payments_created_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_payments")),
    )
    with op.batch_alter_table("contract_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_payments_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_payments_received_on"), ["received_on"], unique=False
        )

    op.create_table(
        "tech_contract_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=False),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_tech_contract_events_actor_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["tech_contracts.id"],
            name=op.f("fk_tech_contract_events_contract_id_tech_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tech_contract_events")),
    )
    with op.batch_alter_table("tech_contract_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tech_contract_events_contract_id"), ["contract_id"], unique=False
        )

    with op.batch_alter_table("dockings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), server_default="unknown", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_dockings_origin"), ["origin"], unique=False)

    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("dockings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dockings_origin"))
        batch_op.drop_column("origin")

    with op.batch_alter_table("tech_contract_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tech_contract_events_contract_id"))

    op.drop_table("tech_contract_events")
    with op.batch_alter_table("contract_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_payments_received_on"))
        batch_op.drop_index(batch_op.f("ix_contract_payments_contract_id"))

    op.drop_table("contract_payments")
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tech_contracts_town_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_tech_field"))
        batch_op.drop_index("ix_tech_contracts_status_signed_on")
        batch_op.drop_index(batch_op.f("ix_tech_contracts_status"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_signed_on"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_seller_org_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_registered_on"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_origin"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_flow"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_docking_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_contract_type"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_buyer_org_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_agreement_id"))

    op.drop_table("tech_contracts")
    with op.batch_alter_table("cooperation_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_town_id"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_status"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_signed_on"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_partner_org_id"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_origin"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_kind"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_expert_id"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_docking_id"))
        batch_op.drop_index(batch_op.f("ix_cooperation_agreements_company_org_id"))

    op.drop_table("cooperation_agreements")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_user_id"))

    op.drop_table("audit_log")


APPEND_ONLY_MESSAGE = "audit_log is append-only"


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
            f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
