"""events: meeting requests (约见请求) between the participants of an event

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
# On this branch the chain ends at 0014; the merge renumbers this onto the chain's head.
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_meeting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_meeting_requests_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["from_id"],
            ["event_registrations.id"],
            name=op.f("fk_event_meeting_requests_from_id_event_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["to_id"],
            ["event_registrations.id"],
            name=op.f("fk_event_meeting_requests_to_id_event_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_meeting_requests")),
        sa.UniqueConstraint("from_id", "to_id", name="uq_event_meeting_requests_pair"),
    )
    with op.batch_alter_table("event_meeting_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_meeting_requests_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_meeting_requests_to_id"), ["to_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("event_meeting_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_meeting_requests_to_id"))
        batch_op.drop_index(batch_op.f("ix_event_meeting_requests_event_id"))
    op.drop_table("event_meeting_requests")
