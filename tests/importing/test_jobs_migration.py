"""Migration 0007: the import jobs table comes and goes cleanly (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.notifications.test_migration import empty_url  # noqa: F401


def test_import_jobs_table_upgrade_and_downgrade(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0010")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (username, display_name, password_hash, role, phone,"
                " email, is_active, session_epoch) VALUES ('ent', '', 'x', 'enterprise', '', '',"
                " true, 0)"
            )
        )
        user_id = conn.execute(sa.text("SELECT id FROM users")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO import_jobs (owner_id, kind, upload_token, filename, status, total,"
                " done, created, updated, errors, errors_token, message, created_at)"
                " VALUES (:u, 'needs', :t, 'a.csv', 'queued', 0, 0, 0, 0, '[]', '', '',"
                " CURRENT_TIMESTAMP)"
            ),
            {"u": user_id, "t": "0" * 32},
        )
    command.downgrade(alembic_config(empty_url), "0009")
    assert "import_jobs" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    assert "import_jobs" in sa.inspect(engine).get_table_names()
    engine.dispose()
