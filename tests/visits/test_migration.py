"""Migration 0013: the visit tables come and go cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.notifications.test_migration import empty_url

__all__ = ["empty_url"]

TABLES = {
    "visit_campaigns",
    "visit_campaign_events",
    "visit_campaign_experts",
    "diagnosis_requests",
    "visit_assignment_runs",
    "visit_assignments",
    "diagnosis_records",
    "diagnosis_follow_ups",
    "diagnosis_needs",
}


def test_visit_tables_upgrade_and_downgrade(empty_url: str) -> None:
    upgrade(empty_url, "0013")
    engine = sa.create_engine(empty_url)
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    # One published run per campaign: the database refuses a second.
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO visit_campaigns (title, theme, towns, half_days,"
                " experts_per_visit, status) VALUES ('t', '', '', '[]', 1, 'draft')"
            )
        )
        cid = conn.execute(sa.text("SELECT id FROM visit_campaigns")).scalar_one()
        insert = sa.text(
            "INSERT INTO visit_assignment_runs (campaign_id, version, status, progress, message,"
            " cancel_requested, published) VALUES (:c, :v, 'done', 1, '', false, true)"
        )
        conn.execute(insert, {"c": cid, "v": 1})
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"c": cid, "v": 2})
        raise AssertionError("a second published run was accepted")
    except sa.exc.IntegrityError:
        pass
    engine.dispose()
    command.downgrade(alembic_config(empty_url), "0012")
    engine = sa.create_engine(empty_url)
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    engine.dispose()
