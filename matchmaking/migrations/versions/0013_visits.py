"""visits: campaigns, expert pools, diagnosis requests, assignment runs, diagnoses

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("towns", sa.String(length=500), nullable=False),
        sa.Column("half_days", sa.JSON(), nullable=False),
        sa.Column("experts_per_visit", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_visit_campaigns_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_visit_campaigns_town_id_towns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_campaigns")),
    )
    with op.batch_alter_table("visit_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_campaigns_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_campaigns_town_id"), ["town_id"], unique=False)

    op.create_table(
        "diagnosis_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("industry_field", sa.String(length=48), nullable=False),
        sa.Column("preferred", sa.JSON(), nullable=False),
        sa.Column("wants_senior", sa.Boolean(), nullable=False),
        sa.Column("tried", sa.Text(), nullable=False),
        sa.Column("need_ids", sa.JSON(), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["visit_campaigns.id"],
            name=op.f("fk_diagnosis_requests_campaign_id_visit_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_diagnosis_requests_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_diagnosis_requests_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_requests")),
        sa.UniqueConstraint("campaign_id", "org_id", name="uq_diagnosis_requests_company"),
    )
    with op.batch_alter_table("diagnosis_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnosis_requests_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_diagnosis_requests_org_id"), ["org_id"], unique=False)

    op.create_table(
        "visit_assignment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["visit_campaigns.id"],
            name=op.f("fk_visit_assignment_runs_campaign_id_visit_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_visit_assignment_runs_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_assignment_runs")),
        sa.UniqueConstraint("campaign_id", "version", name="uq_visit_assignment_runs_version"),
    )
    with op.batch_alter_table("visit_assignment_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_assignment_runs_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_assignment_runs_status"), ["status"], unique=False
        )
        batch_op.create_index(
            "uq_visit_assignment_runs_published",
            ["campaign_id"],
            unique=True,
            sqlite_where=sa.text("published = 1"),
            postgresql_where=sa.text("published"),
        )

    op.create_table(
        "visit_campaign_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_visit_campaign_events_actor_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["visit_campaigns.id"],
            name=op.f("fk_visit_campaign_events_campaign_id_visit_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_campaign_events")),
    )
    with op.batch_alter_table("visit_campaign_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_campaign_events_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "visit_campaign_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("available", sa.JSON(), nullable=False),
        sa.Column("min_visits", sa.Integer(), nullable=False),
        sa.Column("max_visits", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["visit_campaigns.id"],
            name=op.f("fk_visit_campaign_experts_campaign_id_visit_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_visit_campaign_experts_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_campaign_experts")),
        sa.UniqueConstraint("campaign_id", "expert_id", name="uq_visit_campaign_experts_pair"),
    )
    with op.batch_alter_table("visit_campaign_experts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_campaign_experts_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_campaign_experts_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "diagnosis_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("suggestions", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_diagnosis_records_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_diagnosis_records_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["diagnosis_requests.id"],
            name=op.f("fk_diagnosis_records_request_id_diagnosis_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_records")),
        sa.UniqueConstraint("request_id", name=op.f("uq_diagnosis_records_request_id")),
    )
    op.create_table(
        "visit_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("half_day", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared_terms", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_visit_assignments_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["diagnosis_requests.id"],
            name=op.f("fk_visit_assignments_request_id_diagnosis_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["visit_assignment_runs.id"],
            name=op.f("fk_visit_assignments_run_id_visit_assignment_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_assignments")),
        sa.UniqueConstraint("run_id", "request_id", "expert_id", name="uq_visit_assignments_pair"),
    )
    with op.batch_alter_table("visit_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_assignments_expert_id"), ["expert_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_assignments_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visit_assignments_run_id"), ["run_id"], unique=False)

    op.create_table(
        "diagnosis_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["diagnosis_records.id"],
            name=op.f("fk_diagnosis_follow_ups_record_id_diagnosis_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_follow_ups")),
    )
    with op.batch_alter_table("diagnosis_follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_diagnosis_follow_ups_due"), ["due"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_diagnosis_follow_ups_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "diagnosis_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_diagnosis_needs_need_id_needs")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["diagnosis_records.id"],
            name=op.f("fk_diagnosis_needs_record_id_diagnosis_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis_needs")),
        sa.UniqueConstraint("need_id", name=op.f("uq_diagnosis_needs_need_id")),
    )
    with op.batch_alter_table("diagnosis_needs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnosis_needs_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("diagnosis_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_needs_record_id"))

    op.drop_table("diagnosis_needs")
    with op.batch_alter_table("diagnosis_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_follow_ups_record_id"))
        batch_op.drop_index(batch_op.f("ix_diagnosis_follow_ups_due"))

    op.drop_table("diagnosis_follow_ups")
    with op.batch_alter_table("visit_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_assignments_run_id"))
        batch_op.drop_index(batch_op.f("ix_visit_assignments_request_id"))
        batch_op.drop_index(batch_op.f("ix_visit_assignments_expert_id"))

    op.drop_table("visit_assignments")
    op.drop_table("diagnosis_records")
    with op.batch_alter_table("visit_campaign_experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_campaign_experts_expert_id"))
        batch_op.drop_index(batch_op.f("ix_visit_campaign_experts_campaign_id"))

    op.drop_table("visit_campaign_experts")
    with op.batch_alter_table("visit_campaign_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_campaign_events_campaign_id"))

    op.drop_table("visit_campaign_events")
    with op.batch_alter_table("visit_assignment_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_visit_assignment_runs_published",
            sqlite_where=sa.text("published = 1"),
            postgresql_where=sa.text("published"),
        )
        batch_op.drop_index(batch_op.f("ix_visit_assignment_runs_status"))
        batch_op.drop_index(batch_op.f("ix_visit_assignment_runs_campaign_id"))

    op.drop_table("visit_assignment_runs")
    with op.batch_alter_table("diagnosis_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnosis_requests_org_id"))
        batch_op.drop_index(batch_op.f("ix_diagnosis_requests_campaign_id"))

    op.drop_table("diagnosis_requests")
    with op.batch_alter_table("visit_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_campaigns_town_id"))
        batch_op.drop_index(batch_op.f("ix_visit_campaigns_status"))

    op.drop_table("visit_campaigns")
