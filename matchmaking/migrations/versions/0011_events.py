"""events: 产学研对接会 with sessions, slots, registrations, wishes, scheduler runs and meetings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:37:48.327965
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "by_industry",
                "by_university",
                "roadshow",
                "launch",
                name="eventkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("industry_field", sa.String(length=48), nullable=True),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("guest_org_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("organiser", sa.String(length=200), nullable=False),
        sa.Column("registration_opens", sa.Date(), nullable=False),
        sa.Column("registration_closes", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "held",
                "archived",
                name="eventstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_events_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["guest_org_id"],
            ["organizations.id"],
            name=op.f("fk_events_guest_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_events_town_id_towns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_town_id"), ["town_id"], unique=False)

    op.create_table(
        "event_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_event_logs_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_logs_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_logs")),
    )
    with op.batch_alter_table("event_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_logs_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited",
                "registered",
                "cancelled",
                name="registrationstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("invite_score", sa.Double(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("need_ids", sa.JSON(), nullable=False),
        sa.Column("achievement_ids", sa.JSON(), nullable=False),
        sa.Column("unavailable_slot_ids", sa.JSON(), nullable=False),
        sa.Column("min_meetings", sa.Integer(), nullable=False),
        sa.Column("max_meetings", sa.Integer(), nullable=False),
        sa.Column("checkin_token", sa.String(length=43), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by"], ["users.id"], name=op.f("fk_event_registrations_checked_in_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_registrations_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_event_registrations_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_event_registrations_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_registrations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint("checkin_token", name=op.f("uq_event_registrations_checkin_token")),
        sa.UniqueConstraint("event_id", "participant", name="uq_event_registrations"),
    )
    with op.batch_alter_table("event_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_registrations_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_event_registrations_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_registrations_status"), ["status"], unique=False)

    op.create_table(
        "event_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_minutes", sa.Integer(), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_sessions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_sessions")),
    )
    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_sessions_event_id"), ["event_id"], unique=False)

    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                "cancelled",
                name="runstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("solver_status", sa.String(length=24), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_schedule_runs_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_schedule_runs_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("event_id", "version", name="uq_schedule_runs_version"),
    )
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_runs_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "uq_schedule_runs_published",
            ["event_id"],
            unique=True,
            postgresql_where=sa.text("published"),
            sqlite_where=sa.text("published"),
        )

    op.create_table(
        "event_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_slots_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_sessions.id"],
            name=op.f("fk_event_slots_session_id_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_slots")),
    )
    with op.batch_alter_table("event_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_slots_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum("must", "want", "no", name="wishlevel", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_wishes_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["from_id"],
            ["event_registrations.id"],
            name=op.f("fk_event_wishes_from_id_event_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["to_id"],
            ["event_registrations.id"],
            name=op.f("fk_event_wishes_to_id_event_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_wishes")),
        sa.UniqueConstraint("from_id", "to_id", name="uq_event_wishes_pair"),
    )
    with op.batch_alter_table("event_wishes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_wishes_event_id"), ["event_id"], unique=False)

    op.create_table(
        "scheduled_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("a_id", sa.Integer(), nullable=False),
        sa.Column("b_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("table_no", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "outcome_a",
            sa.Enum(
                "held",
                "no_show",
                "follow_up",
                "intent",
                name="meetingoutcome",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "outcome_b",
            sa.Enum(
                "held",
                "no_show",
                "follow_up",
                "intent",
                name="meetingoutcome",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("docking_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["a_id"],
            ["event_registrations.id"],
            name=op.f("fk_scheduled_meetings_a_id_event_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["b_id"],
            ["event_registrations.id"],
            name=op.f("fk_scheduled_meetings_b_id_event_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["docking_id"], ["dockings.id"], name=op.f("fk_scheduled_meetings_docking_id_dockings")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_scheduled_meetings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["schedule_runs.id"],
            name=op.f("fk_scheduled_meetings_run_id_schedule_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["event_slots.id"], name=op.f("fk_scheduled_meetings_slot_id_event_slots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_meetings")),
    )
    with op.batch_alter_table("scheduled_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_meetings_a_id"), ["a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_meetings_b_id"), ["b_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scheduled_meetings_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scheduled_meetings_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_meetings_run_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_meetings_event_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_meetings_b_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_meetings_a_id"))

    op.drop_table("scheduled_meetings")
    with op.batch_alter_table("event_wishes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_wishes_event_id"))

    op.drop_table("event_wishes")
    with op.batch_alter_table("event_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_slots_event_id"))

    op.drop_table("event_slots")
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_schedule_runs_published",
            postgresql_where=sa.text("published"),
            sqlite_where=sa.text("published"),
        )
        batch_op.drop_index(batch_op.f("ix_schedule_runs_event_id"))

    op.drop_table("schedule_runs")
    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_sessions_event_id"))

    op.drop_table("event_sessions")
    with op.batch_alter_table("event_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_registrations_status"))
        batch_op.drop_index(batch_op.f("ix_event_registrations_org_id"))
        batch_op.drop_index(batch_op.f("ix_event_registrations_event_id"))

    op.drop_table("event_registrations")
    with op.batch_alter_table("event_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_logs_event_id"))

    op.drop_table("event_logs")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_town_id"))
        batch_op.drop_index(batch_op.f("ix_events_status"))
        batch_op.drop_index(batch_op.f("ix_events_held_on"))

    op.drop_table("events")
