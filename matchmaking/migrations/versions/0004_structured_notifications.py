"""structured notifications: kind, subject and payload instead of finished text

Existing notifications keep their text as the payload of the ``legacy`` kind, so they
display exactly as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer()),
    sa.column("text", sa.String(500)),
    sa.column("kind", sa.String(32)),
    sa.column("payload", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="legacy")
        )
        batch_op.add_column(
            sa.Column("subject_type", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(sa.select(notifications.c.id, notifications.c.text)).all()
    if rows:
        conn.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("nid"))
            .values(payload=sa.bindparam("legacy")),
            [{"nid": nid, "legacy": {"text": text}} for nid, text in rows],
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("kind", existing_type=sa.String(length=32), server_default=None)
        batch_op.alter_column(
            "subject_type", existing_type=sa.String(length=32), server_default=None
        )
        batch_op.drop_column("text")
        batch_op.create_index(
            "ix_notifications_subject", ["subject_type", "subject_id"], unique=False
        )


def downgrade() -> None:
    from matchmaking.notifications.render import render

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("text", sa.String(length=500), nullable=False, server_default="")
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(notifications.c.id, notifications.c.kind, notifications.c.payload)
    ).all()
    if rows:
        conn.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("nid"))
            .values(text=sa.bindparam("rendered")),
            [{"nid": nid, "rendered": render(kind, payload)} for nid, kind, payload in rows],
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.String(length=500), server_default=None)
        batch_op.drop_index("ix_notifications_subject")
        batch_op.drop_column("payload")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_type")
        batch_op.drop_column("kind")
